//! Response extensions: secDNS-1.1 info data (RFC 5910) and RGP info and update data
//! (RFC 3915).

use crate::types::{DnssecData, DsData, KeyData, Namespace, RgpStatus};
use crate::xml::Writer;

/// One element of a response's `<extension>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtensionData {
    /// `<secDNS:infData>` for a domain info answer; not written when the data is empty.
    SecDnsInfo {
        /// The maxSigLife the client set, in seconds.
        max_sig_life: Option<u32>,
        /// The domain's DS records or keys.
        data: DnssecData,
    },
    /// `<rgp:infData>` for a domain info answer; not written when empty.
    RgpInfo(Vec<RgpStatus>),
    /// `<rgp:upData>` for a restore request's answer.
    RgpUpdate(RgpStatus),
}

impl ExtensionData {
    /// The extension's namespace, which a client must have named at login to be sent it.
    pub fn namespace(&self) -> Namespace {
        match self {
            ExtensionData::SecDnsInfo { .. } => Namespace::SecDns,
            ExtensionData::RgpInfo(_) | ExtensionData::RgpUpdate(_) => Namespace::Rgp,
        }
    }

    /// True when there is nothing to write (the schemas need at least one item).
    pub(crate) fn is_empty(&self) -> bool {
        match self {
            ExtensionData::SecDnsInfo { data: DnssecData::Ds(ds), .. } => ds.is_empty(),
            ExtensionData::SecDnsInfo { data: DnssecData::Key(keys), .. } => keys.is_empty(),
            ExtensionData::RgpInfo(statuses) => statuses.is_empty(),
            ExtensionData::RgpUpdate(_) => false,
        }
    }

    pub(crate) fn write(&self, w: &mut Writer) {
        let sec = [("xmlns:secDNS", Namespace::SecDns.uri())];
        let rgp = [("xmlns:rgp", Namespace::Rgp.uri())];
        match self {
            ExtensionData::SecDnsInfo { max_sig_life, data } => {
                w.open("secDNS:infData", &sec);
                write_dnssec(w, *max_sig_life, data);
                w.close("secDNS:infData");
            }
            ExtensionData::RgpInfo(statuses) => {
                w.open("rgp:infData", &rgp);
                for status in statuses {
                    w.empty("rgp:rgpStatus", &[("s", status.as_str())]);
                }
                w.close("rgp:infData");
            }
            ExtensionData::RgpUpdate(status) => {
                w.open("rgp:upData", &rgp);
                w.empty("rgp:rgpStatus", &[("s", status.as_str())]);
                w.close("rgp:upData");
            }
        }
    }
}

/// The body of a dsOrKeyType: maxSigLife, then DS records or keys.
pub(crate) fn write_dnssec(w: &mut Writer, max_sig_life: Option<u32>, data: &DnssecData) {
    if let Some(life) = max_sig_life {
        w.text("secDNS:maxSigLife", &life.to_string());
    }
    write_dnssec_items(w, data);
}

/// DS records or keys, without maxSigLife.
pub(crate) fn write_dnssec_items(w: &mut Writer, data: &DnssecData) {
    match data {
        DnssecData::Ds(ds) => ds.iter().for_each(|ds| write_ds(w, ds)),
        DnssecData::Key(keys) => keys.iter().for_each(|key| write_key(w, key)),
    }
}

fn write_ds(w: &mut Writer, ds: &DsData) {
    w.open("secDNS:dsData", &[]);
    w.text("secDNS:keyTag", &ds.key_tag.to_string());
    w.text("secDNS:alg", &ds.alg.to_string());
    w.text("secDNS:digestType", &ds.digest_type.to_string());
    w.text("secDNS:digest", &data_encoding::HEXUPPER.encode(&ds.digest));
    if let Some(key) = &ds.key_data {
        write_key(w, key);
    }
    w.close("secDNS:dsData");
}

fn write_key(w: &mut Writer, key: &KeyData) {
    w.open("secDNS:keyData", &[]);
    w.text("secDNS:flags", &key.flags.to_string());
    w.text("secDNS:protocol", &key.protocol.to_string());
    w.text("secDNS:alg", &key.alg.to_string());
    w.text("secDNS:pubKey", &data_encoding::BASE64.encode(&key.public_key));
    w.close("secDNS:keyData");
}
