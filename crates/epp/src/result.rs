//! EPP result codes (RFC 5730 §3) and their standard English messages.

macro_rules! result_codes {
    ($($(#[$doc:meta])* $variant:ident = $code:literal, $message:literal;)*) => {
        /// An EPP result code. The first digit says success (1) or failure (2); the code closes
        /// the session when it is 2500, 2501 or 2502.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ResultCode {
            $($(#[$doc])* $variant,)*
        }

        impl ResultCode {
            /// Every code, in numeric order.
            pub const ALL: &'static [ResultCode] = &[$(ResultCode::$variant,)*];

            /// The four-digit number.
            pub const fn code(self) -> u16 {
                match self {
                    $(ResultCode::$variant => $code,)*
                }
            }

            /// The standard English message of RFC 5730 §3.
            pub const fn message(self) -> &'static str {
                match self {
                    $(ResultCode::$variant => $message,)*
                }
            }

            /// The code with this number, if RFC 5730 defines it.
            pub const fn from_code(code: u16) -> Option<ResultCode> {
                match code {
                    $($code => Some(ResultCode::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

result_codes! {
    /// 1000: the command completed.
    Success = 1000, "Command completed successfully";
    /// 1001: the command was accepted and an action is pending (a transfer, say).
    SuccessPending = 1001, "Command completed successfully; action pending";
    /// 1300: a poll request found no messages.
    SuccessNoMessages = 1300, "Command completed successfully; no messages";
    /// 1301: a poll request returns a message (or an ack leaves messages queued).
    SuccessAckToDequeue = 1301, "Command completed successfully; ack to dequeue";
    /// 1500: logout completed; the session ends.
    SuccessEndingSession = 1500, "Command completed successfully; ending session";
    /// 2000: the command is not an EPP command.
    UnknownCommand = 2000, "Unknown command";
    /// 2001: the XML is not well-formed or does not follow the schema.
    CommandSyntaxError = 2001, "Command syntax error";
    /// 2002: the command is valid but not now (login twice, a command before login).
    CommandUseError = 2002, "Command use error";
    /// 2003: a required element or attribute is missing.
    RequiredParameterMissing = 2003, "Required parameter missing";
    /// 2004: a value is outside the range the schema or the server allows.
    ParameterValueRangeError = 2004, "Parameter value range error";
    /// 2005: a value does not have the right syntax.
    ParameterValueSyntaxError = 2005, "Parameter value syntax error";
    /// 2100: the protocol version is not one the server speaks.
    UnimplementedProtocolVersion = 2100, "Unimplemented protocol version";
    /// 2101: the command is valid EPP but the server does not implement it.
    UnimplementedCommand = 2101, "Unimplemented command";
    /// 2102: an option of a command is not implemented.
    UnimplementedOption = 2102, "Unimplemented option";
    /// 2103: an extension is not implemented.
    UnimplementedExtension = 2103, "Unimplemented extension";
    /// 2104: the billing system refused the operation.
    BillingFailure = 2104, "Billing failure";
    /// 2105: the object is not eligible for renewal.
    ObjectNotEligibleForRenewal = 2105, "Object is not eligible for renewal";
    /// 2106: the object is not eligible for transfer.
    ObjectNotEligibleForTransfer = 2106, "Object is not eligible for transfer";
    /// 2200: authentication failed (login).
    AuthenticationError = 2200, "Authentication error";
    /// 2201: the client may not touch this object.
    AuthorizationError = 2201, "Authorization error";
    /// 2202: the object's authInfo did not match.
    InvalidAuthorizationInformation = 2202, "Invalid authorization information";
    /// 2300: the object already has a pending transfer.
    ObjectPendingTransfer = 2300, "Object pending transfer";
    /// 2301: the object has no pending transfer.
    ObjectNotPendingTransfer = 2301, "Object not pending transfer";
    /// 2302: the object already exists.
    ObjectExists = 2302, "Object exists";
    /// 2303: the object does not exist.
    ObjectDoesNotExist = 2303, "Object does not exist";
    /// 2304: the object's status forbids the operation.
    ObjectStatusProhibitsOperation = 2304, "Object status prohibits operation";
    /// 2305: other objects refer to this one.
    ObjectAssociationProhibitsOperation = 2305, "Object association prohibits operation";
    /// 2306: a value breaks server policy.
    ParameterValuePolicyError = 2306, "Parameter value policy error";
    /// 2307: the object type is not served.
    UnimplementedObjectService = 2307, "Unimplemented object service";
    /// 2308: the command would break data management policy.
    DataManagementPolicyViolation = 2308, "Data management policy violation";
    /// 2400: the server failed.
    CommandFailed = 2400, "Command failed";
    /// 2500: the server failed and closes the session.
    CommandFailedServerClosingConnection = 2500, "Command failed; server closing connection";
    /// 2501: authentication failed and the server closes the session.
    AuthenticationErrorServerClosingConnection = 2501, "Authentication error; server closing connection";
    /// 2502: the client exceeded a session limit and the server closes the session.
    SessionLimitExceededServerClosingConnection = 2502, "Session limit exceeded; server closing connection";
}

impl ResultCode {
    /// True for 1xxx codes.
    pub const fn is_success(self) -> bool {
        self.code() < 2000
    }

    /// True for the codes after which the server closes the connection (2500-2502), and for
    /// 1500 after logout.
    pub const fn ends_session(self) -> bool {
        matches!(self.code(), 1500 | 2500..=2502)
    }
}

impl std::fmt::Display for ResultCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.code(), self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::ResultCode;

    #[test]
    fn codes_round_trip_and_are_ordered() {
        let mut last = 0;
        for &code in ResultCode::ALL {
            assert_eq!(ResultCode::from_code(code.code()), Some(code));
            assert!(code.code() > last);
            last = code.code();
        }
        assert_eq!(ResultCode::ALL.len(), 34);
        assert_eq!(ResultCode::from_code(1002), None);
        assert!(ResultCode::SuccessEndingSession.ends_session());
        assert!(!ResultCode::CommandSyntaxError.ends_session());
    }
}
