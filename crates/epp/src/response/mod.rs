//! EPP responses: a typed [`Response`] and its XML ([`Response::to_xml`]).

pub(crate) mod data;
pub(crate) mod ext;

pub use data::{
    CheckResult, ContactInfoData, DomainInfoData, HostInfoData, PendingAction, ResData,
    TransferData,
};
pub use ext::ExtensionData;

use time::OffsetDateTime;

use crate::command::ParseError;
use crate::result::ResultCode;
use crate::types::Namespace;
use crate::xml::Writer;

/// One response to one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The result code.
    pub result: ResultCode,
    /// A message other than the code's standard English one.
    pub message: Option<String>,
    /// The elements that caused an error, with reasons (`<value>`, `<extValue>`).
    pub values: Vec<ResultValue>,
    /// The message queue state (poll responses, and any response when messages wait).
    pub msg_q: Option<MsgQ>,
    /// Object data.
    pub res_data: Option<ResData>,
    /// Extension data (secDNS, RGP).
    pub extension: Vec<ExtensionData>,
    /// Data of namespaces the client did not name at login, for a client that asked for them
    /// (RFC 9038): written in `<extValue>` under `<result>`.
    pub unhandled: Vec<Unhandled>,
    /// The client's transaction id, echoed.
    pub cl_trid: Option<String>,
    /// The server's transaction id.
    pub sv_trid: String,
}

/// An element the client sent that explains an error, optionally with a reason
/// (`<value><domain:name>..</domain:name></value>` or the same inside `<extValue>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultValue {
    /// The element's namespace.
    pub namespace: Namespace,
    /// The element's local name.
    pub element: String,
    /// The value the client sent.
    pub text: String,
    /// Why it was refused; when present the value goes in `<extValue>`.
    pub reason: Option<String>,
}

/// Data a response would carry in a namespace the client did not name at login (RFC 9038 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unhandled {
    /// An element of `<extension>` (`<rgp:infData>`, say).
    Extension(ExtensionData),
    /// A poll message's object data (`<domain:trnData>`, say), in place of `<resData>`.
    Object(ResData),
}

impl Unhandled {
    /// The namespace the client did not name.
    pub fn namespace(&self) -> Namespace {
        match self {
            Unhandled::Extension(extension) => extension.namespace(),
            Unhandled::Object(data) => data.namespace(),
        }
    }

    /// `<extValue><value>ELEMENT</value><reason>URI not in login services</reason></extValue>`,
    /// the form and reason RFC 9038 §3 gives.
    fn write(&self, w: &mut Writer) {
        w.open("extValue", &[]);
        w.open("value", &[]);
        match self {
            Unhandled::Extension(extension) => extension.write(w),
            Unhandled::Object(data) => data.write(w),
        }
        w.close("value");
        w.text("reason", &format!("{} not in login services", self.namespace().uri()));
        w.close("extValue");
    }
}

/// The message queue: how many messages wait and which one this is (RFC 5730 §2.9.2.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MsgQ {
    /// Messages waiting (after an ack: those left).
    pub count: u64,
    /// The message id the client acknowledges with.
    pub id: String,
    /// When the message was queued (poll request responses).
    pub qdate: Option<OffsetDateTime>,
    /// The message text (poll request responses).
    pub msg: Option<String>,
}

impl Response {
    /// A response with this code and nothing else.
    pub fn new(
        result: ResultCode,
        cl_trid: Option<String>,
        sv_trid: impl Into<String>,
    ) -> Response {
        Response {
            result,
            message: None,
            values: Vec::new(),
            msg_q: None,
            res_data: None,
            extension: Vec::new(),
            unhandled: Vec::new(),
            cl_trid,
            sv_trid: sv_trid.into(),
        }
    }

    /// The answer to a command that did not parse: its code, its explanation, and the
    /// clTRID when it could be read.
    pub fn from_parse_error(error: &ParseError, sv_trid: impl Into<String>) -> Response {
        Response {
            message: Some(format!("{}: {}", error.code.message(), error.message)),
            ..Response::new(error.code, error.cl_trid.clone(), sv_trid)
        }
    }

    /// The same response with a custom message.
    pub fn with_message(self, message: impl Into<String>) -> Response {
        Response { message: Some(message.into()), ..self }
    }

    /// The same response with object data.
    pub fn with_res_data(self, res_data: ResData) -> Response {
        Response { res_data: Some(res_data), ..self }
    }

    /// The same response with one more extension.
    pub fn with_extension(mut self, extension: ExtensionData) -> Response {
        self.extension.push(extension);
        self
    }

    /// The same response with message queue state.
    pub fn with_msg_q(self, msg_q: MsgQ) -> Response {
        Response { msg_q: Some(msg_q), ..self }
    }

    /// The XML document, UTF-8, without the transport's length header.
    pub fn to_xml(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.open("epp", &[("xmlns", Namespace::Epp.uri())]);
        w.open("response", &[]);
        self.write_result(&mut w);
        if let Some(msg_q) = &self.msg_q {
            let count = msg_q.count.to_string();
            let attrs = [("count", count.as_str()), ("id", msg_q.id.as_str())];
            if msg_q.qdate.is_none() && msg_q.msg.is_none() {
                w.empty("msgQ", &attrs);
            } else {
                w.open("msgQ", &attrs);
                w.opt_datetime("qDate", msg_q.qdate);
                w.opt_text("msg", msg_q.msg.as_deref());
                w.close("msgQ");
            }
        }
        if let Some(res_data) = &self.res_data {
            w.open("resData", &[]);
            res_data.write(&mut w);
            w.close("resData");
        }
        let extensions: Vec<&ExtensionData> =
            self.extension.iter().filter(|e| !e.is_empty()).collect();
        if !extensions.is_empty() {
            w.open("extension", &[]);
            for extension in extensions {
                extension.write(&mut w);
            }
            w.close("extension");
        }
        w.open("trID", &[]);
        w.opt_text("clTRID", self.cl_trid.as_deref());
        w.text("svTRID", &self.sv_trid);
        w.close("trID");
        w.close("response");
        w.close("epp");
        w.finish()
    }

    fn write_result(&self, w: &mut Writer) {
        let code = self.result.code().to_string();
        w.open("result", &[("code", &code)]);
        w.text("msg", self.message.as_deref().unwrap_or(self.result.message()));
        for value in &self.values {
            if let Some(reason) = &value.reason {
                w.open("extValue", &[]);
                value.write_value(w);
                w.text("reason", reason);
                w.close("extValue");
            } else {
                value.write_value(w);
            }
        }
        for unhandled in &self.unhandled {
            unhandled.write(w);
        }
        w.close("result");
    }
}

impl ResultValue {
    fn write_value(&self, w: &mut Writer) {
        w.open("value", &[]);
        if self.namespace == Namespace::Epp {
            w.text(&self.element, &self.text);
        } else {
            let name = format!("{}:{}", self.namespace.prefix(), self.element);
            let xmlns = format!("xmlns:{}", self.namespace.prefix());
            w.leaf(&name, &[(&xmlns, self.namespace.uri())], &self.text);
        }
        w.close("value");
    }
}
