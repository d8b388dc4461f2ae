//! Namespaces resolved by URI, not prefix; each kind of refusal answered with its own code,
//! a message naming the element, and the clTRID when it could be read.

use nameward_epp::command::{Command, ParseError, parse};
use nameward_epp::result::ResultCode;
use nameward_epp::types::{Change, Namespace, ObjectKind, Period, PeriodUnit};

const EPP: &str = "urn:ietf:params:xml:ns:epp-1.0";
const DOMAIN: &str = "urn:ietf:params:xml:ns:domain-1.0";

/// A command document around `verb` (e.g. `<check>...</check>`) and an optional extension.
fn command(verb: &str, extension: &str) -> String {
    format!(
        "<epp xmlns=\"{EPP}\"><command>{verb}{extension}<clTRID>TRID-1</clTRID></command></epp>"
    )
}

fn domain(verb: &str, body: &str) -> String {
    command(
        &format!(
            "<{verb}><domain:{verb} xmlns:domain=\"{DOMAIN}\">{body}</domain:{verb}></{verb}>"
        ),
        "",
    )
}

fn error(doc: &str) -> ParseError {
    parse(doc.as_bytes()).expect_err("accepted")
}

fn assert_refused(doc: &str, code: ResultCode, why: &str) {
    let e = error(doc);
    assert_eq!(e.code, code, "{e}\n{doc}");
    assert!(e.message.contains(why), "expected {why:?} in {:?}", e.message);
    assert_eq!(e.cl_trid.as_deref(), Some("TRID-1"), "{e}");
}

#[test]
fn prefixes_are_the_client_choice() {
    let prefixed = format!(
        "<e:epp xmlns:e=\"{EPP}\"><e:command><e:check><d:check xmlns:d=\"{DOMAIN}\">\
         <d:name>a.example</d:name></d:check></e:check><e:clTRID>T-1</e:clTRID></e:command></e:epp>"
    );
    let defaulted = format!(
        "<epp xmlns=\"{EPP}\"><command><check><check xmlns=\"{DOMAIN}\"><name>a.example</name>\
         </check></check><clTRID xmlns=\"{EPP}\">T-1</clTRID></command></epp>"
    );
    let odd = format!(
        "<epp xmlns=\"{EPP}\"><command><check><epp:check xmlns:epp=\"{DOMAIN}\">\
         <epp:name>  a.example\n</epp:name></epp:check></check><clTRID>T-1</clTRID></command></epp>"
    );
    for doc in [prefixed, defaulted, odd] {
        let request = parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{doc}"));
        assert_eq!(request.cl_trid.as_deref(), Some("T-1"));
        assert_eq!(request.command, Command::DomainCheck(vec!["a.example".into()]));
        assert_eq!(request.command.object(), Some(ObjectKind::Domain));
    }
}

#[test]
fn wrong_namespaces() {
    let e = parse(b"<epp xmlns=\"urn:ietf:params:xml:ns:epp-0.4\"><hello/></epp>").unwrap_err();
    assert_eq!(e.code, ResultCode::CommandSyntaxError);
    assert!(e.message.contains("not in the EPP namespace"), "{e}");
    let e = parse(b"<epp><hello/></epp>").unwrap_err();
    assert_eq!(e.code, ResultCode::CommandSyntaxError);

    let obj1 = command(
        "<check><obj:check xmlns:obj=\"urn:ietf:params:xml:ns:obj1\"><obj:name>a</obj:name>\
         </obj:check></check>",
        "",
    );
    assert_refused(&obj1, ResultCode::UnimplementedObjectService, "urn:ietf:params:xml:ns:obj1");
    let unknown_ext = domain("delete", "<domain:name>a.example</domain:name>").replace(
        "<clTRID>",
        "<extension><fee:delete xmlns:fee=\"urn:ietf:params:xml:ns:epp:fee-1.0\"/></extension><clTRID>",
    );
    assert_refused(&unknown_ext, ResultCode::UnimplementedExtension, "fee-1.0 is not implemented");
    let misplaced = domain("delete", "<domain:name>a.example</domain:name>").replace(
        "<clTRID>",
        "<extension><rgp:update xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\">\
         <rgp:restore op=\"request\"/></rgp:update></extension><clTRID>",
    );
    assert_refused(&misplaced, ResultCode::CommandSyntaxError, "does not apply");
    // A name in the host namespace is not the domain's name.
    let mixed =
        domain("info", "<host:name xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\">a</host:name>");
    assert_refused(&mixed, ResultCode::RequiredParameterMissing, "<domain:name> is missing");
    let extra = domain(
        "info",
        "<domain:name>a</domain:name><host:name xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\">a</host:name>",
    );
    assert_refused(&extra, ResultCode::CommandSyntaxError, "domain:info/host:name");
}

#[test]
fn unknown_elements_and_commands() {
    assert_refused(
        &command("<frobnicate/>", ""),
        ResultCode::UnknownCommand,
        "/epp/command/frobnicate",
    );
    assert_refused(
        &domain("delete", "<domain:name>a.example</domain:name><domain:why>x</domain:why>"),
        ResultCode::CommandSyntaxError,
        "/epp/command/delete/domain:delete/domain:why: element not allowed here",
    );
    assert_refused(
        &domain("delete", "<domain:name>a.example</domain:name><domain:name>b</domain:name>"),
        ResultCode::CommandSyntaxError,
        "more than once",
    );
    assert_refused(
        &command("<logout/><logout/>", ""),
        ResultCode::CommandSyntaxError,
        "more than once",
    );
    let host_renew = command(
        "<renew><host:renew xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\"><host:name>a</host:name>\
         </host:renew></renew>",
        "",
    );
    assert_refused(&host_renew, ResultCode::UnimplementedCommand, "hosts have no renew");
    assert_refused(
        &domain("delete", "<domain:name x=\"1\">a.example</domain:name>"),
        ResultCode::CommandSyntaxError,
        "attribute x not allowed",
    );
}

#[test]
fn missing_and_bad_values() {
    assert_refused(
        &domain("delete", ""),
        ResultCode::RequiredParameterMissing,
        "<domain:name> is missing",
    );
    assert_refused(
        &domain("create", "<domain:name>a.example</domain:name>"),
        ResultCode::RequiredParameterMissing,
        "domain:authInfo",
    );
    let create = |period: &str| {
        domain(
            "create",
            &format!(
                "<domain:name>a.example</domain:name>{period}<domain:authInfo><domain:pw/>\
                 </domain:authInfo>"
            ),
        )
    };
    assert_refused(
        &create("<domain:period unit=\"y\">0</domain:period>"),
        ResultCode::ParameterValueRangeError,
        "domain:period: 0 is not within 1 to 99",
    );
    assert_refused(
        &create("<domain:period unit=\"y\">100</domain:period>"),
        ResultCode::ParameterValueRangeError,
        "not within 1 to 99",
    );
    assert_refused(
        &create("<domain:period unit=\"y\">two</domain:period>"),
        ResultCode::ParameterValueSyntaxError,
        "not a number",
    );
    assert_refused(
        &create("<domain:period unit=\"d\">2</domain:period>"),
        ResultCode::ParameterValueSyntaxError,
        "unit=\"d\" is not one of y, m",
    );
    assert_refused(
        &create("<domain:period>2</domain:period>"),
        ResultCode::RequiredParameterMissing,
        "attribute unit",
    );
    let months = parse(create("<domain:period unit=\"m\">18</domain:period>").as_bytes()).unwrap();
    let Command::DomainCreate(c) = months.command else { panic!() };
    assert_eq!(c.period, Period { value: 18, unit: PeriodUnit::Month });
    assert_eq!(c.period.months(), 18);

    assert_refused(
        &domain(
            "create",
            "<domain:name>a.example</domain:name><domain:ns><domain:hostAttr>\
             <domain:hostName>ns1.a.example</domain:hostName></domain:hostAttr></domain:ns>\
             <domain:authInfo><domain:pw/></domain:authInfo>",
        ),
        ResultCode::UnimplementedOption,
        "host attributes are not implemented",
    );
    assert_refused(
        &domain(
            "renew",
            "<domain:name>a.example</domain:name><domain:curExpDate>2026-02-30</domain:curExpDate>",
        ),
        ResultCode::ParameterValueSyntaxError,
        "not a date",
    );
    assert_refused(
        &domain("info", "<domain:name hosts=\"some\">a.example</domain:name>"),
        ResultCode::ParameterValueSyntaxError,
        "hosts=\"some\"",
    );
    assert_refused(
        &domain(
            "update",
            "<domain:name>a.example</domain:name><domain:add><domain:status s=\"linked\"/></domain:add>",
        ),
        ResultCode::ParameterValueSyntaxError,
        "not a domain status",
    );
    assert_refused(
        &command(
            "<create><host:create xmlns:host=\"urn:ietf:params:xml:ns:host-1.0\"><host:name>ns1.a\
             </host:name><host:addr ip=\"v4\">2001:db8::1</host:addr></host:create></create>",
            "",
        ),
        ResultCode::ParameterValueSyntaxError,
        "does not match ip=\"v4\"",
    );
    assert_refused(
        &command(
            "<check><contact:check xmlns:contact=\"urn:ietf:params:xml:ns:contact-1.0\">\
             <contact:id>ab</contact:id></contact:check></check>",
            "",
        ),
        ResultCode::ParameterValueSyntaxError,
        "2 characters is not within 3 to 16",
    );
}

#[test]
fn extension_values() {
    let update = |ext: &str| {
        domain("update", "<domain:name>a.example</domain:name>").replace(
            "<clTRID>",
            &format!(
                "<extension><secDNS:update xmlns:secDNS=\"urn:ietf:params:xml:ns:secDNS-1.1\">\
                 {ext}</secDNS:update></extension><clTRID>"
            ),
        )
    };
    assert_refused(
        &update(
            "<secDNS:add><secDNS:dsData><secDNS:keyTag>1</secDNS:keyTag><secDNS:alg>8\
                 </secDNS:alg><secDNS:digestType>2</secDNS:digestType><secDNS:digest>XYZ\
                 </secDNS:digest></secDNS:dsData></secDNS:add>",
        ),
        ResultCode::ParameterValueSyntaxError,
        "digest is not hex",
    );
    assert_refused(
        &update(
            "<secDNS:add><secDNS:dsData><secDNS:keyTag>65536</secDNS:keyTag><secDNS:alg>8\
                 </secDNS:alg><secDNS:digestType>2</secDNS:digestType><secDNS:digest>AB\
                 </secDNS:digest></secDNS:dsData></secDNS:add>",
        ),
        ResultCode::ParameterValueRangeError,
        "keyTag: 65536 is not within 0 to 65535",
    );
    assert_refused(
        &update("<secDNS:rem><secDNS:all>maybe</secDNS:all></secDNS:rem>"),
        ResultCode::ParameterValueSyntaxError,
        "not a boolean",
    );
    let all_false =
        parse(update("<secDNS:rem><secDNS:all>false</secDNS:all></secDNS:rem>").as_bytes());
    let Command::DomainUpdate(u) = all_false.unwrap().command else { panic!() };
    assert_eq!(u.sec_dns.unwrap().rem, None, "all=false removes nothing");
    assert_eq!(u.chg.registrant, None::<Change<String>>);

    let restore = |inner: &str| {
        domain("update", "<domain:name>a.example</domain:name><domain:chg/>").replace(
            "<clTRID>",
            &format!(
                "<extension><rgp:update xmlns:rgp=\"urn:ietf:params:xml:ns:rgp-1.0\">{inner}\
                 </rgp:update></extension><clTRID>"
            ),
        )
    };
    assert_refused(
        &restore("<rgp:restore op=\"report\"/>"),
        ResultCode::RequiredParameterMissing,
        "needs <rgp:report>",
    );
    assert_refused(
        &restore("<rgp:restore op=\"undo\"/>"),
        ResultCode::ParameterValueSyntaxError,
        "op=\"undo\"",
    );
    let ok = parse(restore("<rgp:restore op=\"request\"/>").as_bytes()).unwrap();
    assert_eq!(ok.command.extensions(), vec![Namespace::Rgp]);
}

#[test]
fn session_commands() {
    let login = |pw: &str, version: &str, ext: &str| {
        command(
            &format!(
                "<login><clID>ClientX</clID><pw>{pw}</pw><options><version>{version}</version>\
                 <lang>en</lang></options><svcs><objURI>{DOMAIN}</objURI></svcs></login>"
            ),
            ext,
        )
    };
    assert_refused(&login("foo-BAR2", "2.0", ""), ResultCode::UnimplementedProtocolVersion, "2.0");
    assert_refused(&login("short", "1.0", ""), ResultCode::ParameterValueSyntaxError, "pw");
    assert_refused(
        &login("[LOGIN-SECURITY]", "1.0", ""),
        ResultCode::RequiredParameterMissing,
        "loginSec:pw",
    );
    assert_refused(
        &login(
            "foo-BAR2",
            "1.0",
            "<extension><loginSec:loginSec xmlns:loginSec=\"urn:ietf:params:xml:ns:epp:loginSec-1.0\">\
             <loginSec:pw>a long password here</loginSec:pw></loginSec:loginSec></extension>",
        ),
        ResultCode::CommandSyntaxError,
        "[LOGIN-SECURITY]",
    );
    assert_refused(
        &command("<poll op=\"ack\"/>", ""),
        ResultCode::RequiredParameterMissing,
        "msgID",
    );
    assert_refused(
        &command("<poll op=\"peek\"/>", ""),
        ResultCode::ParameterValueSyntaxError,
        "op=\"peek\"",
    );
}

#[test]
fn cl_trid_is_recovered_only_when_valid() {
    let too_long = format!(
        "<epp xmlns=\"{EPP}\"><command><logout/><clTRID>{}</clTRID></command></epp>",
        "x".repeat(65)
    );
    let e = parse(too_long.as_bytes()).unwrap_err();
    assert_eq!(e.code, ResultCode::ParameterValueSyntaxError);
    assert_eq!(e.cl_trid, None);
    let broken = format!("<epp xmlns=\"{EPP}\"><command><logout/><clTRID>T-77</clTRID></command>");
    assert_eq!(
        parse(broken.as_bytes()).unwrap_err().cl_trid,
        None,
        "not well-formed: nothing read"
    );
    let bad_command = format!(
        "<epp xmlns=\"{EPP}\"><command><logout>x</logout><clTRID> T-77 </clTRID></command></epp>"
    );
    assert_eq!(parse(bad_command.as_bytes()).unwrap_err().cl_trid.as_deref(), Some("T-77"));
}

#[test]
fn text_is_unescaped_and_cdata_read() {
    let doc = domain(
        "info",
        "<domain:name>a.example</domain:name><domain:authInfo><domain:pw>&lt;&amp;&#x263A;\
         <![CDATA[<x>]]></domain:pw></domain:authInfo>",
    );
    let Command::DomainInfo(info) = parse(doc.as_bytes()).unwrap().command else { panic!() };
    assert_eq!(info.auth_info.unwrap().pw.expose(), "<&\u{263a}<x>");
}
