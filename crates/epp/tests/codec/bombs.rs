//! Hostile documents: entity bombs, external entities, deep nesting, huge values. Each is
//! refused quickly with a 2001 that says why, never expanded or followed.

use nameward_epp::command::parse;
use nameward_epp::result::ResultCode;
use nameward_epp::xml::{MAX_ATTRIBUTE, MAX_DEPTH, MAX_DOCUMENT, MAX_ELEMENTS, MAX_TEXT};

fn refused(input: &[u8], why: &str) {
    let error = parse(input).expect_err("hostile document accepted");
    assert_eq!(error.code, ResultCode::CommandSyntaxError, "{error}");
    assert!(error.message.contains(why), "expected {why:?} in {:?}", error.message);
    assert_eq!(error.cl_trid, None);
}

#[test]
fn billion_laughs() {
    let mut bomb =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for level in 1..10 {
        let previous = if level == 1 { "lol".to_owned() } else { format!("lol{}", level - 1) };
        bomb.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            format!("&{previous};").repeat(10)
        ));
    }
    bomb.push_str("]>\n<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello>&lol9;</hello></epp>");
    refused(bomb.as_bytes(), "DOCTYPE");
}

#[test]
fn undeclared_entity_without_doctype() {
    refused(
        b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello>&lol9;</hello></epp>",
        "entity &lol9; at byte",
    );
}

#[test]
fn external_entity() {
    refused(
        b"<?xml version=\"1.0\"?><!DOCTYPE epp [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\
          <epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><info>\
          <domain:info xmlns:domain=\"urn:ietf:params:xml:ns:domain-1.0\">\
          <domain:name>&xxe;</domain:name></domain:info></info></command></epp>",
        "DOCTYPE",
    );
    refused(b"<!DOCTYPE epp SYSTEM \"http://attacker.example/epp.dtd\"><epp/>", "DOCTYPE");
}

#[test]
fn deep_nesting() {
    let depth = 100_000;
    let mut deep = String::from("<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">");
    deep.push_str(&"<a>".repeat(depth));
    deep.push_str(&"</a>".repeat(depth));
    deep.push_str("</epp>");
    refused(deep.as_bytes(), &format!("deeper than {MAX_DEPTH} levels"));
}

#[test]
fn huge_attribute() {
    let doc = format!(
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><poll op=\"ack\" msgID=\"{}\"/>\
         </command></epp>",
        "9".repeat(MAX_ATTRIBUTE + 1)
    );
    refused(doc.as_bytes(), "attribute value");
}

/// Found by the `epp_command` fuzz target: the limit was on the attribute as written, so a
/// value under it whose characters the writer escapes (`>` as `&gt;`) did not read back from
/// the writer's own output. The limit is on the value now, however it is written.
#[test]
fn attribute_limit_is_on_the_value_not_its_escapes() {
    let ack = |value: &str| {
        format!(
            "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><poll op=\"ack\" \
             msgID=\"{value}\"/></command></epp>"
        )
    };
    let request = parse(ack(&">".repeat(MAX_ATTRIBUTE)).as_bytes()).expect("a value at the limit");
    assert_eq!(parse(&request.to_xml()).as_ref(), Ok(&request));
    refused(ack(&"&gt;".repeat(MAX_ATTRIBUTE + 1)).as_bytes(), "attribute value");
}

#[test]
fn less_than_in_an_attribute_value() {
    refused(
        b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><command><poll op=\"ack\" \
          msgID=\"1<2\"/></command></epp>",
        "contains '<'",
    );
}

#[test]
fn huge_text_and_too_many_elements_and_too_large() {
    let text = format!(
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello>{}</hello></epp>",
        "x".repeat(MAX_TEXT + 1)
    );
    refused(text.as_bytes(), "longer than");
    let many = format!(
        "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello>{}</hello></epp>",
        "<a/>".repeat(MAX_ELEMENTS)
    );
    refused(many.as_bytes(), "more than");
    let large = vec![b' '; MAX_DOCUMENT + 1];
    refused(&large, "over the limit");
}

#[test]
fn too_many_attributes() {
    let attrs: String = (0..100).map(|i| format!(" a{i}=\"1\"")).collect();
    let doc = format!("<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"><hello{attrs}/></epp>");
    refused(doc.as_bytes(), "attributes");
}

#[test]
fn other_encodings_and_bad_characters() {
    refused(
        b"<?xml version=\"1.0\" encoding=\"UTF-16\"?><epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"/>",
        "UTF-8 only",
    );
    refused(b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">\xff</epp>", "not UTF-8");
    refused(b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">\x01</epp>", "not allowed in XML");
    refused(b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">&#0;</epp>", "reference");
    refused(b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">&#1;</epp>", "not allowed in XML");
    refused(b"<?xml-stylesheet href=\"x\"?><epp/>", "processing instruction");
}

#[test]
fn malformed_documents() {
    for (doc, why) in [
        (&b""[..], "no root element"),
        (b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">", "ends inside"),
        (b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"></pde>", "malformed XML"),
        (b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"/><epp/>", "second root"),
        (b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\"/>junk", "outside the root"),
        (b"<x:epp/>", "not declared"),
        (b"<epp a=\"1\" a=\"2\"/>", "attribute"),
    ] {
        refused(doc, why);
    }
}
