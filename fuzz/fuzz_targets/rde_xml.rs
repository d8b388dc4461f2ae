//! Registry data escrow deposit XML on arbitrary bytes: the bounded streaming reader and the
//! conversion of each object into the registry's model, as a restore does them. Never a
//! panic; every object within the reader's limits (fuzz/seeds/rde_xml holds a deposit with
//! one object of each kind).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nameward_rde::objects;
use nameward_rde::xml::Object;
use nameward_rde::xml::read::{DepositReader, Item, MAX_NODES, Node};
use nameward_registry::policy::Policy;
use time::OffsetDateTime;

fn size(node: &Node) -> usize {
    1 + node.children.iter().map(size).sum::<usize>()
}

fuzz_target!(|data: &[u8]| {
    let watermark = OffsetDateTime::UNIX_EPOCH;
    let policy = Policy::default_for("example");
    let mut reader = DepositReader::new(data, "fuzz.xml");
    while let Ok(Some(item)) = reader.next_item() {
        if let Item::Object(object, node, _) = item {
            assert!(size(&node) <= MAX_NODES);
            let _ = objects::key(object, &node);
            let _ = objects::references(object, &node);
            let _ = match object {
                Object::Registrar => objects::registrar("f", &node, String::new(), watermark).map(drop),
                Object::Contact => objects::contact("f", &node, watermark).map(drop),
                Object::Host => objects::host("f", &node, watermark).map(drop),
                Object::Domain => objects::domain("f", &node, &policy, watermark).map(drop),
            };
        }
    }
});
