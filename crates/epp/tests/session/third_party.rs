//! A third-party client library, `instant-epp`, against the server: it logs in naming no
//! extension (as it does by default) and must be able to read what the server answers
//! (RFC 5730 §2.9.1.1: only the services named at login are sent).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use instant_epp::EppClient as ThirdParty;
use instant_epp::connection::Connector;
use instant_epp::domain::DomainInfo as ThirdPartyInfo;
use instant_epp::login::Login as ThirdPartyLogin;
use nameward_epp::client::TlsVersions;
use nameward_epp::command::{Command, SecDnsCreate};
use nameward_epp::types::{DnssecData, DsData};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::support::*;

/// Connects with nameward's client TLS configuration and R1's certificate.
struct Loopback(std::net::SocketAddr);

impl Connector for Loopback {
    type Connection = TlsStream<TcpStream>;

    fn connect<'a, 'b>(
        &'a self,
        _timeout: Duration,
    ) -> Pin<Box<dyn Future<Output = Result<Self::Connection, instant_epp::Error>> + Send + 'b>>
    where
        'a: 'b,
        Self: 'b,
    {
        Box::pin(async move {
            let other = |e: Box<dyn std::error::Error + Send + Sync>| instant_epp::Error::Other(e);
            let (config, name) = pki()
                .client_tls(pki().cert(R1), TlsVersions::Both)
                .config()
                .map_err(|e| other(e.into()))?;
            let tcp = TcpStream::connect(self.0).await.map_err(|e| other(e.into()))?;
            TlsConnector::from(config).connect(name, tcp).await.map_err(|e| other(e.into()))
        })
    }
}

#[tokio::test]
async fn instant_epp_reads_domain_info_with_ds_data() {
    on_both(async |env| {
        let signed = nameward_epp::command::DomainCreate {
            sec_dns: Some(SecDnsCreate {
                max_sig_life: None,
                data: DnssecData::Ds(vec![DsData {
                    key_tag: 12345,
                    alg: 13,
                    digest_type: 2,
                    digest: vec![7; 32],
                    key_data: None,
                }]),
            }),
            ..create("third-party.example")
        };
        env.login(R1).await.expect(Command::DomainCreate(signed), 1000).await;

        let mut client =
            ThirdParty::new(Loopback(env.addr), "nameward".into(), Duration::from_secs(10))
                .await
                .expect("instant-epp connects and reads the greeting");
        let password = password(R1);
        let login = ThirdPartyLogin::new(R1, &password, None, None);
        let logged_in = client.transact(&login, "IE-1").await.expect("instant-epp logs in");
        assert!(logged_in.result.code.is_success(), "{:?}", logged_in.result);
        let info = client
            .transact(&ThirdPartyInfo::new("third-party.example", None), "IE-2")
            .await
            .expect("instant-epp parses <domain:info> of a name with DS data");
        let data = info.res_data().expect("infData");
        assert_eq!(data.name, "third-party.example");
        assert_eq!(data.client_id, R1);
        assert!(data.expiring_at.is_some());
    })
    .await;
}
