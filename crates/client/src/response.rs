//! Queries as sent and responses as accepted: IDs and questions must match, or the datagram is
//! not an answer (it may be spoofed, or late from an earlier attempt).

use nameward_dns::message::opcode;
use nameward_dns::wire::DecodeOptions;
use nameward_dns::{Edns, Header, Message, Question};

/// EDNS payload size offered: the DNS Flag Day 2020 value, which avoids IP fragmentation.
const UDP_PAYLOAD: u16 = 1232;

/// The query message for `question` with the given ID: recursion desired (so that a recursive
/// resolver can be asked as well as an authoritative server) and EDNS(0), with the DO bit when
/// DNSSEC records are wanted.
pub fn query_message(id: u16, question: &Question, dnssec_ok: bool) -> Message {
    Message {
        header: Header { id, opcode: opcode::QUERY, rd: true, ..Header::default() },
        questions: vec![question.clone()],
        edns: Some(Edns { udp_payload: UDP_PAYLOAD, dnssec_ok, ..Edns::default() }),
        ..Message::default()
    }
}

/// What a received datagram or TCP message is to a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// The response to the query.
    Answer(Message),
    /// The response, truncated (TC): ask again over TCP.
    Truncated,
    /// Not a response to the query; why.
    Ignored(String),
}

/// Judges `bytes` as a response to the query with `id` and `question`. Responses are decoded
/// leniently ([`DecodeOptions::LENIENT`]) since some servers compress HIP rendezvous server
/// names, which RFC 5205 forbids but which a resolver can read.
pub fn match_response(id: u16, question: &Question, bytes: &[u8]) -> Received {
    let (Some(id_bytes), Some(flags)) = (bytes.get(0..2), bytes.get(2..4)) else {
        return Received::Ignored(format!(
            "a {}-octet message is too short for a header",
            bytes.len()
        ));
    };
    let got_id = u16::from_be_bytes([id_bytes[0], id_bytes[1]]);
    if got_id != id {
        return Received::Ignored(format!("ID {got_id} is not the query's ID {id}"));
    }
    let header = Header::from_flags(got_id, u16::from_be_bytes([flags[0], flags[1]]));
    if !header.qr {
        return Received::Ignored("the message is a query, not a response".into());
    }
    match Message::decode(bytes, DecodeOptions::LENIENT) {
        Ok(message) => {
            if message.questions.len() != 1 || message.questions.first() != Some(question) {
                let got = message
                    .questions
                    .iter()
                    .map(|q| format!("{} {} {}", q.name, q.qclass, q.qtype))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Received::Ignored(format!("its question `{got}` is not the query's"));
            }
            if message.header.tc { Received::Truncated } else { Received::Answer(message) }
        }
        // A truncated response may be cut anywhere; its header is enough to retry over TCP.
        Err(_) if header.tc => Received::Truncated,
        Err(e) => Received::Ignored(format!("it cannot be decoded: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use nameward_dns::wire::DecodeOptions;
    use nameward_dns::{Class, Message, Name, Question, Rtype};

    use super::*;

    #[test]
    fn queries_carry_edns_and_the_do_bit_when_asked() {
        let question = Question {
            name: Name::parse("host.example.", None).unwrap(),
            qtype: Rtype::HIP,
            qclass: Class::IN,
        };
        for dnssec_ok in [false, true] {
            let wire = query_message(7, &question, dnssec_ok).encode();
            let back = Message::decode(&wire, DecodeOptions::STRICT).unwrap();
            let edns = back.edns.unwrap();
            assert_eq!((edns.dnssec_ok, edns.udp_payload), (dnssec_ok, 1232));
            assert!(back.header.rd);
            assert_eq!(back.questions, std::slice::from_ref(&question));
        }
    }
}
