//! The desk's own mail: the one-time code, in plain text and HTML, pointing back to the case
//! page at the desk's public URL. Pure: the registry fills in the recipient and sends it.

use maud::html;
use nameward_registry::service::Mail;

/// The code mail for `domain` with `code`, from `registry`, whose case page is `case_url`.
/// It names neither the code's purpose beyond the desk nor anything to click that would use
/// the code: the code is typed into the page that asked for it.
pub fn code_mail(registry: &str, domain: &str, code: &str, case_url: &str) -> Mail {
    let body = format!(
        "Someone, we hope you, asked {registry}'s registrant desk to confirm that you hold \
         {domain}.\n\nYour code: {code}\n\nType it into the desk page where you asked for it; it \
         works there for 30 minutes, in that browser only. Your case: {case_url}\n\nIf you did \
         not ask for it, ignore this message: nothing changes without the code. Never give this \
         code to anyone by e-mail or telephone.\n"
    );
    let html = html! {
        p { "Someone, we hope you, asked " (registry) "'s registrant desk to confirm that you hold " strong { (domain) } "." }
        p { "Your code: " strong style="font-size:1.4em;letter-spacing:.1em" { (code) } }
        p { "Type it into the desk page where you asked for it; it works there for 30 minutes, in that browser only. "
            a href=(case_url) { "Your case" } "." }
        p { "If you did not ask for it, ignore this message: nothing changes without the code. Never give this code to anyone by e-mail or telephone." }
    };
    Mail {
        to: String::new(),
        subject: format!("Your registrant desk code for {domain}"),
        body,
        html: Some(html.into_string()),
        message_id: None,
    }
}
