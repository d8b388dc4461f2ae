//! Types whose RDATA is one compressible domain name.

use std::fmt;

use crate::name::Name;
use crate::rdata::RecordType;
use crate::rtype::Rtype;
use crate::text::{TextError, Tokens};
use crate::wire::{Reader, WireError, Writer};

macro_rules! name_only {
    ($(#[$doc:meta])* $ty:ident, $rtype:expr, $field:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $ty {
            #[doc = concat!("The ", $what, ".")]
            pub $field: Name,
        }

        impl RecordType for $ty {
            const RTYPE: Rtype = $rtype;

            fn decode(r: &mut Reader<'_>) -> Result<$ty, WireError> {
                Ok($ty { $field: r.name()? })
            }

            fn encode(&self, w: &mut Writer) {
                w.compressible_name(&self.$field);
            }

            fn parse_text(t: &mut Tokens<'_>) -> Result<$ty, TextError> {
                Ok($ty { $field: t.name($what)? })
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.$field.fmt(f)
            }
        }
    };
}

name_only!(
    /// An authoritative name server (RFC 1035 §3.3.11). Wire format: one compressible name.
    Ns, Rtype::NS, nsdname, "name server"
);
name_only!(
    /// The canonical name of an alias (RFC 1035 §3.3.1). Wire format: one compressible name.
    Cname, Rtype::CNAME, cname, "canonical name"
);
name_only!(
    /// A pointer to another name (RFC 1035 §3.3.12). Wire format: one compressible name.
    Ptr, Rtype::PTR, ptrdname, "pointer target"
);

#[cfg(test)]
mod tests {
    use crate::rdata::testing::{rejects, round_trip};
    use crate::rtype::Rtype;

    #[test]
    fn round_trips() {
        round_trip(Rtype::NS, "ns1", "ns1.example.", "036e7331076578616d706c6500");
        round_trip(Rtype::CNAME, "Www.Example.", "Www.Example.", "03577777074578616d706c6500");
        round_trip(Rtype::PTR, "@", "example.", "076578616d706c6500");
    }

    #[test]
    fn rejects_missing_name() {
        rejects(Rtype::NS, "", "missing name server");
        rejects(Rtype::NS, "a..b", "empty label");
    }
}
