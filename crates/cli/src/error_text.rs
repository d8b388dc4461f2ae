//! An error and its causes as one line for a person to read.
//!
//! Many of nameward's errors already say their cause (`cannot listen for EPP on …: Address
//! already in use`) and also offer it as their `source`, so anyhow's `{:#}`, which appends
//! every source, would print the cause twice. Here a cause is appended only when the text
//! so far does not already end with it.

/// `error`, then each cause it does not already spell out, separated by ": ".
pub fn error_text(error: &anyhow::Error) -> String {
    let mut text = error.to_string();
    for cause in error.chain().skip(1) {
        let cause = cause.to_string();
        if !text.ends_with(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot listen on {addr}: {source}")]
    struct Listen {
        addr: &'static str,
        source: std::io::Error,
    }

    fn in_use() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::AddrInUse, "Address already in use")
    }

    #[test]
    fn a_cause_the_message_already_says_is_not_repeated() {
        let error = anyhow::Error::new(Listen { addr: "[::1]:700", source: in_use() })
            .context("starting EPP");
        assert_eq!(format!("{error:#}").matches("Address already in use").count(), 2);
        assert_eq!(
            error_text(&error),
            "starting EPP: cannot listen on [::1]:700: Address already in use"
        );
    }

    #[test]
    fn a_cause_the_message_does_not_say_is_appended() {
        let error = anyhow::Error::new(in_use()).context("binding").context("starting");
        assert_eq!(error_text(&error), "starting: binding: Address already in use");
    }
}
