//! The desk's words, per language. A language is one [`Words`] table; adding one means a new
//! table, a [`Lang`] variant and its code: the pages take every text from here.
//!
//! Texts with `{name}` placeholders are filled by [`fill`]; the pages escape the result.

/// A language the desk speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Hindi.
    Hi,
}

impl Lang {
    /// Every language, in the order the switch lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Hi];

    /// The code in paths and `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Hi => "hi",
        }
    }

    /// The language from a path segment.
    pub fn parse(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }

    /// The first language of an `Accept-Language` header the desk speaks, else English.
    pub fn from_accept(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .filter_map(|tag| tag.trim().split('-').next())
            .find_map(|primary| Lang::parse(&primary.to_ascii_lowercase()))
            .unwrap_or(Lang::En)
    }

    /// Its words.
    pub fn words(self) -> &'static Words {
        match self {
            Lang::En => &EN,
            Lang::Hi => &HI,
        }
    }
}

/// Replaces each `{key}` in `template` with its value.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut text = template.to_owned();
    for (key, value) in values {
        text = text.replace(&format!("{{{key}}}"), value);
    }
    text
}

/// What a refusal says: what happened, and what to do.
#[derive(Debug)]
pub struct Problem {
    /// The heading.
    pub title: &'static str,
    /// What to do next.
    pub advice: &'static str,
}

/// Every text of the desk in one language; each field is one text, named for where it appears.
#[derive(Debug)]
#[allow(missing_docs)]
pub struct Words {
    /// The language's own name, for the switch.
    pub name: &'static str,
    pub desk: &'static str,
    pub genuine: &'static str,
    pub never_asks: &'static str,
    pub skip: &'static str,
    pub home_intro: &'static str,
    pub domain_label: &'static str,
    pub look_up: &'static str,
    pub failed_on: &'static str,
    pub failed: &'static str,
    pub safe_until: &'static str,
    pub what_to_do: &'static str,
    pub choice_move: &'static str,
    pub choice_move_hint: &'static str,
    pub choice_dns: &'static str,
    pub choice_dns_hint: &'static str,
    pub choice_complaint: &'static str,
    pub choice_complaint_hint: &'static str,
    pub complaint_label: &'static str,
    pub case_title: &'static str,
    pub case_bookmark: &'static str,
    pub kind_transfer: &'static str,
    pub kind_dns: &'static str,
    pub kind_complaint: &'static str,
    pub state_label: &'static str,
    pub state_open: &'static str,
    pub state_verifying: &'static str,
    pub state_verified: &'static str,
    pub state_code_issued: &'static str,
    pub state_switched: &'static str,
    pub state_closed: &'static str,
    pub prove_title: &'static str,
    pub prove_intro: &'static str,
    pub email_title: &'static str,
    pub email_text: &'static str,
    pub email_button: &'static str,
    pub email_none: &'static str,
    pub lost_address: &'static str,
    pub dns_title: &'static str,
    pub dns_text: &'static str,
    pub dns_name: &'static str,
    pub dns_value: &'static str,
    pub dns_wait: &'static str,
    pub dns_button: &'static str,
    pub code_sent: &'static str,
    pub code_label: &'static str,
    pub code_button: &'static str,
    pub code_again: &'static str,
    pub proven: &'static str,
    pub proven_elsewhere: &'static str,
    pub get_code_button: &'static str,
    pub get_code_again: &'static str,
    pub switch_button: &'static str,
    pub switch_text: &'static str,
    pub complaint_next: &'static str,
    pub history: &'static str,
    pub when: &'static str,
    pub what: &'static str,
    pub code_title: &'static str,
    pub transfer_code_label: &'static str,
    pub code_once: &'static str,
    pub next_title: &'static str,
    pub next_steps: [&'static str; 3],
    pub registrars_title: &'static str,
    pub no_registrars: &'static str,
    pub back_to_case: &'static str,
    pub switched_title: &'static str,
    pub switched_text: &'static str,
    pub switched_end: &'static str,
    pub home_link: &'static str,
    /// Case history actions, by stored name.
    pub actions: &'static [(&'static str, &'static str)],
    /// Refusals and failures, by kind.
    pub problems: &'static [(&'static str, Problem)],
    pub problem_fallback: Problem,
    pub wait_until: &'static str,
    pub tries_left: &'static str,
}

impl Words {
    /// What a refusal or failure of `kind` says.
    pub fn problem(&self, kind: &str) -> &Problem {
        self.problems
            .iter()
            .find(|(key, _)| *key == kind)
            .map_or(&self.problem_fallback, |(_, problem)| problem)
    }

    /// A history action in words (the stored name when it has none).
    pub fn action<'a>(&self, action: &'a str) -> &'a str
    where
        'static: 'a,
    {
        self.actions.iter().find(|(key, _)| *key == action).map_or(action, |(_, text)| text)
    }
}

/// English.
pub static EN: Words = Words {
    name: "English",
    desk: "Registrant desk",
    genuine: "This is the registrant desk of {registry}. It is genuine only at {host}: check the address bar.",
    never_asks: "The registry never asks you for a payment or a password, and never asks you to send a code by e-mail or telephone.",
    skip: "Skip to the content",
    home_intro: "If your registrar has stopped operating, the registry helps you keep your domain name: move it to another registrar, keep your website working, or tell us what is wrong.",
    domain_label: "Your domain name",
    look_up: "Continue",
    failed_on: "Your registrar {registrar} stopped operating on {date}.",
    failed: "Your registrar {registrar} has stopped operating.",
    safe_until: "Your name {domain} is safe: the registry keeps it and renews it on credit; it is registered until {date}. Nothing will be deleted.",
    what_to_do: "What do you want to do?",
    choice_move: "Move my name to another registrar",
    choice_move_hint: "You get a transfer code to give to the registrar you choose.",
    choice_dns: "Keep my website working (DNS)",
    choice_dns_hint: "The registry serves your name's DNS from the copy your registrar deposited.",
    choice_complaint: "Something is wrong (complaint)",
    choice_complaint_hint: "Registry staff read every complaint.",
    complaint_label: "What is wrong?",
    case_title: "Case {id}",
    case_bookmark: "Keep this page's address: it is your case. It shows no code, so you may share it with someone helping you.",
    kind_transfer: "Move to another registrar",
    kind_dns: "Keep my website working (DNS)",
    kind_complaint: "Complaint",
    state_label: "State",
    state_open: "Waiting for you to prove that the name is yours.",
    state_verifying: "A code was sent by e-mail; waiting for it to be entered.",
    state_verified: "The name was proven to be yours.",
    state_code_issued: "A transfer code was issued. The new registrar now asks for the name with it.",
    state_switched: "The registry serves the name's DNS.",
    state_closed: "Closed.",
    prove_title: "Prove that the name is yours",
    prove_intro: "Choose one of two ways. What you prove counts in this browser only.",
    email_title: "A code by e-mail",
    email_text: "We send a code to the registrant address on record for this name: {address}. It works for 30 minutes, in this browser only.",
    email_button: "Send me the code",
    email_none: "No registrant e-mail address is on record for this name: use the DNS record, or file a complaint.",
    lost_address: "No longer have this address? File a complaint",
    dns_title: "A DNS record",
    dns_text: "If you can change your name's DNS, add this TXT record at your DNS provider:",
    dns_name: "Name",
    dns_value: "Value",
    dns_wait: "DNS changes can take from a few minutes to an hour to be seen. Then press the button; you may try again.",
    dns_button: "Check now",
    code_sent: "We sent a code to {address}. It works until {time}, in this browser only.",
    code_label: "The 8-digit code from the e-mail",
    code_button: "Confirm the code",
    code_again: "Did not get it? Send a new code",
    proven: "You proved that the name is yours.",
    proven_elsewhere: "This name was proven in another browser. Continue there, or open a new case here.",
    get_code_button: "Get the transfer code",
    get_code_again: "Lost the code? Get a new one (the old one stops working)",
    switch_button: "Serve my website's DNS from the registry",
    switch_text: "The registry will answer for your name with the zone your registrar deposited, so that your website and e-mail keep working until your new registrar takes over.",
    complaint_next: "Registry staff will read your complaint and write to the registrant address on record within 5 working days. Keep this page's address to follow the case.",
    history: "History",
    when: "When",
    what: "What happened",
    code_title: "Your transfer code for {domain}",
    transfer_code_label: "Transfer code",
    code_once: "This code is shown once. Write it down or copy it now. It works until {date}.",
    next_title: "What happens next",
    next_steps: [
        "Choose a registrar from the list below and ask it to transfer {domain} to it. Give it this code.",
        "The registry charges no extra year for this transfer.",
        "The transfer completes within five days after the new registrar asks.",
    ],
    registrars_title: "Accredited registrars that accept transfers",
    no_registrars: "No registrar is accredited at the moment; the registry will write to you.",
    back_to_case: "Back to your case",
    switched_title: "Your website's DNS is served by the registry",
    switched_text: "The registry now serves {domain}'s DNS from the copy your registrar deposited, on these name servers: {servers}.",
    switched_end: "It ends when your new registrar changes the name servers, or when you ask registry staff.",
    home_link: "Start again",
    actions: &[
        ("opened", "Case opened"),
        ("email_code_sent", "Code sent by e-mail"),
        ("email_code_wrong", "Wrong code entered"),
        ("email_code_void", "Code no longer valid after wrong entries"),
        ("email_code_undelivered", "The code could not be delivered"),
        ("verified", "Name proven"),
        ("transfer_code_issued", "Transfer code issued"),
        ("delegation_switched", "DNS served by the registry"),
        ("delegation_switch_refused", "DNS could not be switched"),
        ("refused", "A request was refused"),
        ("locked", "Case locked"),
    ],
    problems: &[
        (
            "no-case",
            Problem {
                title: "There is no such case",
                advice: "Check the address, or start again from your domain name.",
            },
        ),
        (
            "no-domain",
            Problem {
                title: "This name is not registered here",
                advice: "Check the spelling of the name. Names under other endings are handled by other registries.",
            },
        ),
        (
            "not-eligible",
            Problem {
                title: "Your registrar is still operating",
                advice: "Ask your registrar for a transfer code. The registry's desk helps only when a registrar has stopped operating.",
            },
        ),
        (
            "wrong-state",
            Problem {
                title: "That step does not fit where your case stands",
                advice: "Go back to your case: it shows what you can do now.",
            },
        ),
        (
            "locked",
            Problem {
                title: "This case is closed",
                advice: "Start again from your domain name to open a new case.",
            },
        ),
        (
            "too-soon",
            Problem {
                title: "Please wait a little",
                advice: "Too many requests of this kind were made lately. You can try again at the time shown. Proving with a DNS record does not have to wait for e-mail.",
            },
        ),
        (
            "other-session",
            Problem {
                title: "This belongs to another browser",
                advice: "Codes and proofs work only in the browser where they were asked for. Continue there, or ask for a new code here.",
            },
        ),
        (
            "no-code",
            Problem {
                title: "There is no valid code",
                advice: "Ask for a new code: it replaces any code sent before.",
            },
        ),
        (
            "code-expired",
            Problem {
                title: "The code has expired",
                advice: "Codes work for 30 minutes. Ask for a new one.",
            },
        ),
        (
            "wrong-code",
            Problem {
                title: "That code is not right",
                advice: "Check the 8 digits in the latest e-mail and try again.",
            },
        ),
        (
            "no-address",
            Problem {
                title: "No e-mail address is on record",
                advice: "Prove with a DNS record instead, or file a complaint so that staff can help.",
            },
        ),
        (
            "challenge-missing",
            Problem {
                title: "The DNS record was not found yet",
                advice: "Check the name and the value, wait a few minutes for DNS to catch up, and press Check now again.",
            },
        ),
        (
            "wrong-kind",
            Problem {
                title: "This case is for something else",
                advice: "Start again from your domain name and choose what you want to do.",
            },
        ),
        (
            "cannot-switch",
            Problem {
                title: "The registry cannot serve this name's DNS",
                advice: "Your registrar deposited no usable copy of your zone. File a complaint and staff will help.",
            },
        ),
        (
            "bad-request",
            Problem {
                title: "Something in the form was not right",
                advice: "Go back, check what you typed, and send it again.",
            },
        ),
        (
            "csrf",
            Problem {
                title: "This form has expired",
                advice: "Go back, reload the page, and send the form again.",
            },
        ),
        (
            "mail-failed",
            Problem {
                title: "The e-mail could not be sent",
                advice: "Try again in a few minutes, or prove with a DNS record.",
            },
        ),
        (
            "dns-failed",
            Problem { title: "The DNS lookup failed", advice: "Try again in a few minutes." },
        ),
        (
            "dns-off",
            Problem {
                title: "DNS checks are not available at this desk",
                advice: "Prove with a code by e-mail, or file a complaint.",
            },
        ),
        (
            "not-found",
            Problem {
                title: "There is no such page",
                advice: "Start again from your domain name.",
            },
        ),
    ],
    problem_fallback: Problem {
        title: "Something went wrong at the registry",
        advice: "Try again in a few minutes. If it keeps happening, file a complaint.",
    },
    wait_until: "You can try again after {time}.",
    tries_left: "{remaining} more tries with this code; the next one after {time}.",
};

/// Hindi.
pub static HI: Words = Words {
    name: "हिन्दी",
    desk: "पंजीकर्ता डेस्क",
    genuine: "यह {registry} का पंजीकर्ता डेस्क है। यह केवल {host} पर असली है: पता-पट्टी जाँच लें।",
    never_asks: "रजिस्ट्री कभी भुगतान या पासवर्ड नहीं माँगती, और कभी ई-मेल या फ़ोन पर कोड भेजने को नहीं कहती।",
    skip: "सामग्री पर जाएँ",
    home_intro: "अगर आपके रजिस्ट्रार ने काम बंद कर दिया है, तो रजिस्ट्री आपका डोमेन नाम बचाने में मदद करती है: उसे किसी दूसरे रजिस्ट्रार के पास ले जाएँ, अपनी वेबसाइट चालू रखें, या हमें बताएँ कि क्या गड़बड़ है।",
    domain_label: "आपका डोमेन नाम",
    look_up: "आगे बढ़ें",
    failed_on: "आपके रजिस्ट्रार {registrar} ने {date} को काम बंद कर दिया।",
    failed: "आपके रजिस्ट्रार {registrar} ने काम बंद कर दिया है।",
    safe_until: "आपका नाम {domain} सुरक्षित है: रजिस्ट्री उसे रखती है और उधार पर नवीनीकरण करती है; वह {date} तक पंजीकृत है। कुछ भी मिटाया नहीं जाएगा।",
    what_to_do: "आप क्या करना चाहते हैं?",
    choice_move: "मेरा नाम दूसरे रजिस्ट्रार के पास ले जाएँ",
    choice_move_hint: "आपको एक ट्रांसफ़र कोड मिलेगा, जो आप अपने चुने हुए रजिस्ट्रार को देंगे।",
    choice_dns: "मेरी वेबसाइट चालू रखें (DNS)",
    choice_dns_hint: "रजिस्ट्री आपके रजिस्ट्रार की जमा की हुई प्रति से आपके नाम का DNS चलाती है।",
    choice_complaint: "कुछ गड़बड़ है (शिकायत)",
    choice_complaint_hint: "रजिस्ट्री के कर्मचारी हर शिकायत पढ़ते हैं।",
    complaint_label: "क्या गड़बड़ है?",
    case_title: "मामला {id}",
    case_bookmark: "इस पेज का पता सँभाल कर रखें: यही आपका मामला है। इसमें कोई कोड नहीं दिखता, इसलिए आप इसे अपने मददगार को दे सकते हैं।",
    kind_transfer: "दूसरे रजिस्ट्रार के पास ले जाना",
    kind_dns: "वेबसाइट चालू रखना (DNS)",
    kind_complaint: "शिकायत",
    state_label: "स्थिति",
    state_open: "आपके यह साबित करने की प्रतीक्षा है कि नाम आपका है।",
    state_verifying: "ई-मेल से कोड भेजा गया; उसे डाले जाने की प्रतीक्षा है।",
    state_verified: "साबित हो गया कि नाम आपका है।",
    state_code_issued: "ट्रांसफ़र कोड जारी हो गया। अब नया रजिस्ट्रार उससे नाम माँगेगा।",
    state_switched: "नाम का DNS रजिस्ट्री चला रही है।",
    state_closed: "बंद।",
    prove_title: "साबित करें कि नाम आपका है",
    prove_intro: "दो में से एक तरीका चुनें। जो आप साबित करेंगे, वह केवल इसी ब्राउज़र में मान्य होगा।",
    email_title: "ई-मेल से कोड",
    email_text: "हम इस नाम के दर्ज पंजीकर्ता पते पर कोड भेजेंगे: {address}। वह 30 मिनट तक, केवल इसी ब्राउज़र में चलेगा।",
    email_button: "मुझे कोड भेजें",
    email_none: "इस नाम का कोई पंजीकर्ता ई-मेल पता दर्ज नहीं है: DNS रिकॉर्ड का उपयोग करें, या शिकायत दर्ज करें।",
    lost_address: "यह पता अब आपके पास नहीं है? शिकायत दर्ज करें",
    dns_title: "एक DNS रिकॉर्ड",
    dns_text: "अगर आप अपने नाम का DNS बदल सकते हैं, तो अपने DNS प्रदाता के यहाँ यह TXT रिकॉर्ड जोड़ें:",
    dns_name: "नाम",
    dns_value: "मान",
    dns_wait: "DNS में बदलाव दिखने में कुछ मिनट से एक घंटे तक लग सकता है। फिर बटन दबाएँ; आप दोबारा भी कोशिश कर सकते हैं।",
    dns_button: "अभी जाँचें",
    code_sent: "हमने {address} पर कोड भेजा है। वह {time} तक, केवल इसी ब्राउज़र में चलेगा।",
    code_label: "ई-मेल में आया 8 अंकों का कोड",
    code_button: "कोड की पुष्टि करें",
    code_again: "कोड नहीं मिला? नया कोड भेजें",
    proven: "आपने साबित कर दिया कि नाम आपका है।",
    proven_elsewhere: "यह नाम किसी दूसरे ब्राउज़र में साबित किया गया था। वहीं आगे बढ़ें, या यहाँ नया मामला खोलें।",
    get_code_button: "ट्रांसफ़र कोड पाएँ",
    get_code_again: "कोड खो गया? नया पाएँ (पुराना काम करना बंद कर देगा)",
    switch_button: "मेरी वेबसाइट का DNS रजिस्ट्री से चलाएँ",
    switch_text: "रजिस्ट्री आपके रजिस्ट्रार की जमा की हुई ज़ोन से आपके नाम के लिए उत्तर देगी, ताकि नया रजिस्ट्रार आने तक आपकी वेबसाइट और ई-मेल चलते रहें।",
    complaint_next: "रजिस्ट्री के कर्मचारी आपकी शिकायत पढ़ेंगे और 5 कार्य-दिवसों के भीतर दर्ज पंजीकर्ता पते पर लिखेंगे। मामला देखते रहने के लिए इस पेज का पता रखें।",
    history: "इतिहास",
    when: "कब",
    what: "क्या हुआ",
    code_title: "{domain} के लिए आपका ट्रांसफ़र कोड",
    transfer_code_label: "ट्रांसफ़र कोड",
    code_once: "यह कोड केवल एक बार दिखाया जाता है। इसे अभी लिख लें या कॉपी कर लें। यह {date} तक चलेगा।",
    next_title: "आगे क्या होगा",
    next_steps: [
        "नीचे की सूची से एक रजिस्ट्रार चुनें और उससे {domain} को अपने पास ट्रांसफ़र करने को कहें। उसे यह कोड दें।",
        "इस ट्रांसफ़र के लिए रजिस्ट्री कोई अतिरिक्त वर्ष का शुल्क नहीं लेती।",
        "नए रजिस्ट्रार के माँगने के बाद ट्रांसफ़र पाँच दिनों के भीतर पूरा होता है।",
    ],
    registrars_title: "मान्यता प्राप्त रजिस्ट्रार जो ट्रांसफ़र स्वीकार करते हैं",
    no_registrars: "अभी कोई रजिस्ट्रार मान्यता प्राप्त नहीं है; रजिस्ट्री आपको लिखेगी।",
    back_to_case: "अपने मामले पर लौटें",
    switched_title: "आपकी वेबसाइट का DNS रजिस्ट्री चला रही है",
    switched_text: "रजिस्ट्री अब आपके रजिस्ट्रार की जमा की हुई प्रति से {domain} का DNS इन नेम सर्वरों पर चला रही है: {servers}।",
    switched_end: "यह तब समाप्त होगा जब आपका नया रजिस्ट्रार नेम सर्वर बदलेगा, या जब आप रजिस्ट्री कर्मचारियों से कहेंगे।",
    home_link: "फिर से शुरू करें",
    actions: &[
        ("opened", "मामला खोला गया"),
        ("email_code_sent", "ई-मेल से कोड भेजा गया"),
        ("email_code_wrong", "गलत कोड डाला गया"),
        ("email_code_void", "गलत प्रयासों के बाद कोड अमान्य"),
        ("email_code_undelivered", "कोड पहुँचाया नहीं जा सका"),
        ("verified", "नाम साबित हुआ"),
        ("transfer_code_issued", "ट्रांसफ़र कोड जारी हुआ"),
        ("delegation_switched", "DNS रजिस्ट्री चला रही है"),
        ("delegation_switch_refused", "DNS बदला नहीं जा सका"),
        ("refused", "एक अनुरोध अस्वीकार हुआ"),
        ("locked", "मामला बंद किया गया"),
    ],
    problems: &[
        (
            "no-case",
            Problem {
                title: "ऐसा कोई मामला नहीं है",
                advice: "पता जाँचें, या अपने डोमेन नाम से फिर शुरू करें।",
            },
        ),
        (
            "no-domain",
            Problem {
                title: "यह नाम यहाँ पंजीकृत नहीं है",
                advice: "नाम की वर्तनी जाँचें। दूसरे अंत वाले नाम दूसरी रजिस्ट्रियाँ देखती हैं।",
            },
        ),
        (
            "not-eligible",
            Problem {
                title: "आपका रजिस्ट्रार अभी काम कर रहा है",
                advice: "अपने रजिस्ट्रार से ट्रांसफ़र कोड माँगें। रजिस्ट्री का डेस्क केवल तब मदद करता है जब रजिस्ट्रार काम बंद कर दे।",
            },
        ),
        (
            "wrong-state",
            Problem {
                title: "यह कदम आपके मामले की स्थिति से मेल नहीं खाता",
                advice: "अपने मामले पर लौटें: वहाँ दिखता है कि अभी आप क्या कर सकते हैं।",
            },
        ),
        (
            "locked",
            Problem {
                title: "यह मामला बंद है",
                advice: "नया मामला खोलने के लिए अपने डोमेन नाम से फिर शुरू करें।",
            },
        ),
        (
            "too-soon",
            Problem {
                title: "कृपया थोड़ा रुकें",
                advice: "हाल में इस तरह के बहुत अनुरोध हुए। दिखाए गए समय के बाद फिर कोशिश करें। DNS रिकॉर्ड से साबित करने के लिए ई-मेल की प्रतीक्षा ज़रूरी नहीं।",
            },
        ),
        (
            "other-session",
            Problem {
                title: "यह किसी दूसरे ब्राउज़र का है",
                advice: "कोड और प्रमाण केवल उसी ब्राउज़र में चलते हैं जहाँ वे माँगे गए थे। वहीं आगे बढ़ें, या यहाँ नया कोड माँगें।",
            },
        ),
        (
            "no-code",
            Problem {
                title: "कोई मान्य कोड नहीं है",
                advice: "नया कोड माँगें: वह पहले भेजे गए हर कोड की जगह लेगा।",
            },
        ),
        (
            "code-expired",
            Problem {
                title: "कोड की समय-सीमा समाप्त हो गई",
                advice: "कोड 30 मिनट चलते हैं। नया कोड माँगें।",
            },
        ),
        (
            "wrong-code",
            Problem {
                title: "यह कोड सही नहीं है",
                advice: "सबसे नए ई-मेल के 8 अंक जाँचें और फिर कोशिश करें।",
            },
        ),
        (
            "no-address",
            Problem {
                title: "कोई ई-मेल पता दर्ज नहीं है",
                advice: "इसके बजाय DNS रिकॉर्ड से साबित करें, या शिकायत दर्ज करें ताकि कर्मचारी मदद कर सकें।",
            },
        ),
        (
            "challenge-missing",
            Problem {
                title: "DNS रिकॉर्ड अभी नहीं मिला",
                advice: "नाम और मान जाँचें, DNS के अपडेट होने के लिए कुछ मिनट रुकें, और फिर से अभी जाँचें दबाएँ।",
            },
        ),
        (
            "wrong-kind",
            Problem {
                title: "यह मामला किसी और काम के लिए है",
                advice: "अपने डोमेन नाम से फिर शुरू करें और चुनें कि आप क्या करना चाहते हैं।",
            },
        ),
        (
            "cannot-switch",
            Problem {
                title: "रजिस्ट्री इस नाम का DNS नहीं चला सकती",
                advice: "आपके रजिस्ट्रार ने आपकी ज़ोन की कोई उपयोगी प्रति जमा नहीं की। शिकायत दर्ज करें, कर्मचारी मदद करेंगे।",
            },
        ),
        (
            "bad-request",
            Problem {
                title: "फ़ॉर्म में कुछ ठीक नहीं था",
                advice: "वापस जाएँ, जो लिखा उसे जाँचें, और फिर भेजें।",
            },
        ),
        (
            "csrf",
            Problem {
                title: "इस फ़ॉर्म की अवधि समाप्त हो गई",
                advice: "वापस जाएँ, पेज फिर से लोड करें, और फ़ॉर्म दोबारा भेजें।",
            },
        ),
        (
            "mail-failed",
            Problem {
                title: "ई-मेल भेजा नहीं जा सका",
                advice: "कुछ मिनट बाद फिर कोशिश करें, या DNS रिकॉर्ड से साबित करें।",
            },
        ),
        (
            "dns-failed",
            Problem {
                title: "DNS जाँच विफल रही", advice: "कुछ मिनट बाद फिर कोशिश करें।"
            },
        ),
        (
            "dns-off",
            Problem {
                title: "इस डेस्क पर DNS जाँच उपलब्ध नहीं है",
                advice: "ई-मेल कोड से साबित करें, या शिकायत दर्ज करें।",
            },
        ),
        (
            "not-found",
            Problem {
                title: "ऐसा कोई पेज नहीं है", advice: "अपने डोमेन नाम से फिर शुरू करें।"
            },
        ),
    ],
    problem_fallback: Problem {
        title: "रजिस्ट्री में कुछ गड़बड़ हुई",
        advice: "कुछ मिनट बाद फिर कोशिश करें। अगर ऐसा होता रहे, तो शिकायत दर्ज करें।",
    },
    wait_until: "आप {time} के बाद फिर कोशिश कर सकते हैं।",
    tries_left: "इस कोड से {remaining} और प्रयास; अगला {time} के बाद।",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_come_from_paths_and_accept_language() {
        assert_eq!(Lang::parse("hi"), Some(Lang::Hi));
        assert_eq!(Lang::parse("fr"), None);
        assert_eq!(Lang::from_accept("hi-IN,hi;q=0.9,en;q=0.8"), Lang::Hi);
        assert_eq!(Lang::from_accept("fr-FR, en;q=0.5"), Lang::En);
        assert_eq!(Lang::from_accept(""), Lang::En);
    }

    #[test]
    fn every_language_explains_every_problem_the_english_one_does() {
        for lang in Lang::ALL {
            let words = lang.words();
            for (kind, _) in EN.problems {
                assert!(
                    words.problems.iter().any(|(k, _)| k == kind),
                    "{} lacks {kind}",
                    words.name
                );
            }
            for (action, _) in EN.actions {
                assert_ne!(words.action(action), *action, "{} lacks {action}", words.name);
            }
        }
        assert_eq!(fill("a {x} b {y}", &[("x", "1"), ("y", "<2>")]), "a 1 b <2>");
    }
}
