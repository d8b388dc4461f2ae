//! `nameward epp client`: log in, send one command, print the response, log out.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, anyhow, bail};
use nameward_epp::client::EppClient;
use nameward_epp::command::{
    Command, ContactCreate, ContactInfo, DomainAddRem, DomainChange, DomainCreate, DomainInfo,
    DomainRenew, DomainTransfer, DomainUpdate, HostCreate, Login, Poll, Request, SecDnsCreate,
    SecDnsRem, SecDnsUpdate,
};
use nameward_epp::tls::{ClientTls, ServerTrust, TlsVersions};
use nameward_epp::types::{
    Address, AuthInfo, Change, DnssecData, DsData, HostsFilter, Namespace, Period, PostalInfo,
    PostalType, Secret, Status, StatusValue, TransferOp,
};

use crate::args::{EppClientArgs, EppCommand, EppVerb};
use crate::data::{UpInfo, runtime};

pub fn run(command: EppCommand) -> Result<ExitCode> {
    match command {
        EppCommand::Client(args) => runtime()?.block_on(client(*args)),
    }
}

/// Where to connect and as whom.
struct Target {
    server: String,
    server_name: String,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    client_id: String,
    password: String,
}

fn target(args: &EppClientArgs) -> Result<Target> {
    let from_up = match (&args.up, &args.registrar) {
        (Some(dir), Some(id)) => {
            let up = UpInfo::read(dir)?;
            let registrar = up
                .registrars
                .iter()
                .find(|r| &r.id == id)
                .ok_or_else(|| anyhow!("{}: no registrar `{id}` in up.json", dir.display()))?
                .clone();
            Some((up, registrar))
        }
        _ => None,
    };
    let pick = |given: &Option<PathBuf>, up: Option<PathBuf>, what: &str| -> Result<PathBuf> {
        given.clone().or(up).ok_or_else(|| anyhow!("missing --{what} (or --up DIR --registrar ID)"))
    };
    let server = args
        .server
        .clone()
        .or_else(|| from_up.as_ref().map(|(up, _)| up.epp.clone()))
        .ok_or_else(|| anyhow!("missing --server (or --up DIR --registrar ID)"))?;
    let host = server.rsplit_once(':').map_or(server.as_str(), |(host, _)| host);
    let server_name =
        args.server_name.clone().unwrap_or_else(|| host.trim_matches(['[', ']']).to_owned());
    Ok(Target {
        ca: pick(&args.ca, from_up.as_ref().and_then(|(up, _)| up.ca_cert.clone()), "ca")?,
        cert: pick(&args.cert, from_up.as_ref().map(|(_, r)| r.cert.clone()), "cert")?,
        key: pick(&args.key, from_up.as_ref().map(|(_, r)| r.key.clone()), "key")?,
        client_id: args
            .client_id
            .clone()
            .or_else(|| from_up.as_ref().map(|(_, r)| r.id.clone()))
            .ok_or_else(|| anyhow!("missing --client-id"))?,
        password: args
            .password
            .clone()
            .or_else(|| from_up.as_ref().map(|(_, r)| r.password.clone()))
            .unwrap_or_default(),
        server,
        server_name,
    })
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

async fn client(args: EppClientArgs) -> Result<ExitCode> {
    let target = target(&args)?;
    let tls = ClientTls {
        trust: ServerTrust::CaPem(read(&target.ca)?),
        cert_pem: read(&target.cert)?,
        key_pem: read(&target.key)?,
        server_name: target.server_name.clone(),
        versions: TlsVersions::Both,
    };
    let (mut client, _greeting) = EppClient::connect(target.server.as_str(), &tls)
        .await
        .with_context(|| format!("cannot connect to the EPP server {}", target.server))?;
    let mut failed = false;
    if !args.no_login {
        let response = client.request(&request(login(&target), "login").to_xml()).await?;
        if result_code(&response).is_none_or(|code| code >= 2000) {
            print_response(&response);
            bail!("login as {} refused", target.client_id);
        }
    }
    let command = match &args.verb {
        EppVerb::Xml { file } => {
            if file.as_os_str() == "-" {
                let mut text = Vec::new();
                std::io::Read::read_to_end(&mut std::io::stdin(), &mut text)?;
                text
            } else {
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?
            }
        }
        verb => request(command(verb)?, "cli").to_xml(),
    };
    let response = client.request(&command).await?;
    print_response(&response);
    failed |= result_code(&response).is_none_or(|code| code >= 2000);
    if !args.no_login {
        client.request(&request(Command::Logout, "logout").to_xml()).await.ok();
    }
    client.close().await.ok();
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

fn print_response(response: &[u8]) {
    println!("{}", String::from_utf8_lossy(response).trim_end());
}

/// The first `code="NNNN"` of a response.
fn result_code(response: &[u8]) -> Option<u16> {
    let text = std::str::from_utf8(response).ok()?;
    let at = text.find("code=\"")? + 6;
    text.get(at..at + 4)?.parse().ok()
}

fn request(command: Command, tag: &str) -> Request {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    Request { cl_trid: Some(format!("nameward-{tag}-{stamp}")), command }
}

fn login(target: &Target) -> Command {
    Command::Login(Login {
        client_id: target.client_id.clone(),
        password: Secret::new(target.password.clone()),
        new_password: None,
        version: "1.0".to_owned(),
        lang: "en".to_owned(),
        obj_uris: [Namespace::Domain, Namespace::Host, Namespace::Contact]
            .map(|n| n.uri().to_owned())
            .to_vec(),
        ext_uris: [Namespace::SecDns, Namespace::Rgp].map(|n| n.uri().to_owned()).to_vec(),
        user_agent: None,
        used_login_sec: false,
    })
}

fn years(value: u8) -> Period {
    Period { value, ..Period::ONE_YEAR }
}

fn statuses(names: &[String]) -> Result<Vec<StatusValue>> {
    names
        .iter()
        .map(|name| {
            let status =
                Status::from_token(name).ok_or_else(|| anyhow!("`{name}` is not an EPP status"))?;
            Ok(StatusValue { status, lang: None, text: None })
        })
        .collect()
}

/// DS records given as `KEYTAG ALGORITHM DIGESTTYPE HEX` (the RDATA of a DS in a zone file);
/// `None` when none are given.
fn ds_records(texts: &[String]) -> Result<Option<DnssecData>> {
    if texts.is_empty() {
        return Ok(None);
    }
    let records = texts
        .iter()
        .map(|text| {
            let bad = || anyhow!("`{text}` is not a DS record like `12345 13 2 3a4b…` (KEYTAG ALGORITHM DIGESTTYPE HEX)");
            let fields: Vec<&str> = text.split_whitespace().collect();
            let [key_tag, alg, digest_type, hex @ ..] = fields.as_slice() else { return Err(bad()) };
            let digest = nameward_dns::text::decode_hex(hex.concat().as_bytes()).map_err(|_| bad())?;
            Ok(DsData {
                key_tag: key_tag.parse().map_err(|_| bad())?,
                alg: alg.parse().map_err(|_| bad())?,
                digest_type: digest_type.parse().map_err(|_| bad())?,
                digest,
                key_data: None,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(DnssecData::Ds(records)))
}

fn command(verb: &EppVerb) -> Result<Command> {
    Ok(match verb {
        EppVerb::Xml { .. } => bail!("an XML file is sent as it is"),
        EppVerb::Hello => Command::Hello,
        EppVerb::Poll => Command::Poll(Poll::Request),
        EppVerb::PollAck { id } => Command::Poll(Poll::Ack { msg_id: id.clone() }),
        EppVerb::DomainCheck { names } => Command::DomainCheck(names.clone()),
        EppVerb::DomainInfo { name, auth } => Command::DomainInfo(DomainInfo {
            name: name.clone(),
            hosts: HostsFilter::All,
            auth_info: auth.as_ref().map(|pw| AuthInfo::password(pw.clone())),
        }),
        EppVerb::DomainCreate { name, years: n, ns, registrant, auth, ds } => {
            Command::DomainCreate(DomainCreate {
                name: name.clone(),
                period: years(*n),
                ns: ns.clone(),
                registrant: registrant.clone(),
                contacts: Vec::new(),
                auth_info: AuthInfo::password(auth.clone()),
                sec_dns: ds_records(ds)?.map(|data| SecDnsCreate { max_sig_life: None, data }),
            })
        }
        EppVerb::DomainRenew { name, exp, years: n } => Command::DomainRenew(DomainRenew {
            name: name.clone(),
            cur_exp_date: time::Date::parse(
                exp,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .with_context(|| format!("--exp {exp}: not a date like 2027-05-31"))?,
            period: years(*n),
        }),
        EppVerb::DomainUpdate {
            name,
            add_ns,
            rem_ns,
            add_status,
            rem_status,
            add_ds,
            rem_ds,
            auth,
        } => {
            let add = ds_records(add_ds)?;
            let rem = ds_records(rem_ds)?.map(SecDnsRem::Data);
            let sec_dns = (add.is_some() || rem.is_some()).then_some(SecDnsUpdate {
                urgent: false,
                rem,
                add,
                max_sig_life: None,
            });
            Command::DomainUpdate(DomainUpdate {
                name: name.clone(),
                add: DomainAddRem {
                    ns: add_ns.clone(),
                    contacts: Vec::new(),
                    statuses: statuses(add_status)?,
                },
                rem: DomainAddRem {
                    ns: rem_ns.clone(),
                    contacts: Vec::new(),
                    statuses: statuses(rem_status)?,
                },
                chg: DomainChange {
                    registrant: None,
                    auth_info: auth.as_ref().map(|code| {
                        if code.is_empty() {
                            Change::Clear
                        } else {
                            Change::Set(Secret::new(code.clone()))
                        }
                    }),
                },
                sec_dns,
                restore: None,
            })
        }
        EppVerb::DomainDelete { name } => Command::DomainDelete(name.clone()),
        EppVerb::DomainTransfer { op, name, auth } => Command::DomainTransfer(DomainTransfer {
            op: TransferOp::from_token(op)
                .ok_or_else(|| anyhow!("`{op}`: use request, approve, reject, cancel or query"))?,
            name: name.clone(),
            period: None,
            auth_info: auth.as_ref().map(|pw| AuthInfo::password(pw.clone())),
        }),
        EppVerb::HostCreate { name, addrs } => {
            Command::HostCreate(HostCreate { name: name.clone(), addrs: addrs.clone() })
        }
        EppVerb::HostInfo { name } => Command::HostInfo(name.clone()),
        EppVerb::HostDelete { name } => Command::HostDelete(name.clone()),
        EppVerb::ContactCreate { id, name, email, city, cc, auth } => {
            Command::ContactCreate(ContactCreate {
                id: id.clone(),
                postal_info: vec![PostalInfo {
                    kind: PostalType::Int,
                    name: name.clone(),
                    org: None,
                    addr: Address {
                        street: Vec::new(),
                        city: city.clone(),
                        sp: None,
                        pc: None,
                        cc: cc.to_ascii_uppercase(),
                    },
                }],
                voice: None,
                fax: None,
                email: email.clone(),
                auth_info: AuthInfo::password(auth.clone()),
                disclose: None,
            })
        }
        EppVerb::ContactInfo { id } => {
            Command::ContactInfo(ContactInfo { id: id.clone(), auth_info: None })
        }
        EppVerb::ContactDelete { id } => Command::ContactDelete(id.clone()),
    })
}
