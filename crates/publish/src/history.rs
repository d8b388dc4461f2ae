//! The IXFR history a publisher keeps in the registry: each difference it served, written as
//! zone-file text (one record per line, the old and new SOA first, then what was deleted and
//! what was added), and read back after a restart into the server's journal.

use nameward_dns::zone::{NoIncludes, ReaderOptions, ZoneReader};
use nameward_dns::{Name, Record};
use nameward_server::transfer::Diff;

/// `diff` as text: `from SOA`, `to SOA`, then `- RECORD` and `+ RECORD` lines.
pub fn encode(diff: &Diff) -> String {
    let mut text = format!("from {}\nto {}\n", diff.from, diff.to);
    for (mark, records) in [("-", &diff.deleted), ("+", &diff.added)] {
        for record in records {
            text.push_str(mark);
            text.push(' ');
            text.push_str(&record.to_string());
            text.push('\n');
        }
    }
    text
}

/// The difference `text` holds (as [`encode`] wrote it) for the zone at `origin`; why not,
/// with the line, when the text is not one.
pub fn decode(text: &str, origin: &Name) -> Result<Diff, String> {
    let (mut from, mut to) = (None, None);
    let (mut deleted, mut added) = (Vec::new(), Vec::new());
    for (index, line) in text.lines().enumerate() {
        let at = index + 1;
        let (mark, rest) = line.split_once(' ').ok_or_else(|| format!("line {at}: no mark"))?;
        let record = record(rest, origin).map_err(|error| format!("line {at}: {error}"))?;
        match mark {
            "from" => from = Some(record),
            "to" => to = Some(record),
            "-" => deleted.push(record),
            "+" => added.push(record),
            other => return Err(format!("line {at}: unknown mark {other:?}")),
        }
    }
    let from = from.ok_or("no `from` SOA")?;
    let to = to.ok_or("no `to` SOA")?;
    Ok(Diff { from, to, deleted, added })
}

/// One record in zone-file form, its owner within `origin`.
fn record(text: &str, origin: &Name) -> Result<Record, String> {
    let mut reader = ZoneReader::new(
        text.as_bytes(),
        "zone difference",
        Some(origin.clone()),
        ReaderOptions::default(),
        &NoIncludes,
    );
    let entry = reader.next().ok_or("no record")?.map_err(|error| error.message)?;
    if reader.next().is_some() {
        return Err("more than one record".to_owned());
    }
    if !entry.record.owner.is_subdomain_of(origin) {
        return Err(format!("{} lies outside {origin}", entry.record.owner));
    }
    Ok(entry.record)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use nameward_dns::zone::MemoryLoader;

    use super::*;

    fn records(text: &str) -> Vec<Record> {
        let origin = Name::parse("example.", None).unwrap();
        let loader = MemoryLoader::new();
        ZoneReader::new(text.as_bytes(), "t", Some(origin), ReaderOptions::default(), &loader)
            .map(|entry| entry.unwrap().record)
            .collect()
    }

    #[test]
    fn a_difference_reads_back_as_written() {
        let soa = records(
            "example. 3600 IN SOA ns1.nic.example. hostmaster.nic.example. 7 1800 900 1209600 900\n\
             example. 3600 IN SOA ns1.nic.example. hostmaster.nic.example. 8 1800 900 1209600 900\n",
        );
        let diff = Diff {
            from: soa[0].clone(),
            to: soa[1].clone(),
            deleted: records(
                "b.example. 3600 IN NS ns1.b.example.\nns1.b.example. 3600 IN A 192.0.2.7\n",
            ),
            added: records(
                "b.example. 3600 IN NS ns.elsewhere.test.\n\
                 b.example. 3600 IN DS 12345 13 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n\
                 ns1.b.example. 3600 IN AAAA 2001:db8::7\n",
            ),
        };
        let origin = Name::parse("example.", None).unwrap();
        let text = encode(&diff);
        assert_eq!(decode(&text, &origin).unwrap(), diff);
        assert_eq!(diff.from_serial(), 7);
    }

    #[test]
    fn bad_text_is_refused_with_its_line() {
        let origin = Name::parse("example.", None).unwrap();
        assert!(
            decode("to example. 3600 IN SOA a. b. 1 2 3 4 5\n", &origin)
                .unwrap_err()
                .contains("from")
        );
        let outside =
            "from example. 3600 IN SOA a. b. 1 2 3 4 5\n- www.other. 3600 IN A 192.0.2.1\n";
        assert!(decode(outside, &origin).unwrap_err().starts_with("line 2"));
        assert!(decode("? example. 3600 IN A 192.0.2.1\n", &origin).unwrap_err().contains("mark"));
        assert!(decode("from\n", &origin).unwrap_err().contains("line 1"));
    }
}
