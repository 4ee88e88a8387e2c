//! Training and production never meet. A training (demo) deployment's CA, server certificate and
//! laptop certificates carry the organisational unit [`TRAINING_UNIT`] in their subject; production
//! certificates never do. Each end checks the other's certificate during the TLS handshake:
//! a production server refuses a training laptop, a production laptop refuses a training server,
//! and the other way round, even if someone enrolled them from the same CA by mistake.

use serde::{Deserialize, Serialize};

/// The organisational unit that marks a training certificate.
pub const TRAINING_UNIT: &str = "TRAINING - no citizens' data";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Deployment {
    Production,
    /// Trainers' demo: synthetic citizens only.
    Training,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not an X.509 certificate: {0}")]
pub struct NotACertificate(String);

impl Deployment {
    /// The deployment a DER certificate's subject says it belongs to.
    pub fn of_certificate(der: &[u8]) -> Result<Deployment, NotACertificate> {
        let (_, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| NotACertificate(e.to_string()))?;
        let training = cert.subject().iter_organizational_unit().any(|unit| unit.as_str() == Ok(TRAINING_UNIT));
        Ok(if training { Deployment::Training } else { Deployment::Production })
    }

    /// The deployment of the first certificate in a PEM text.
    pub fn of_pem(pem: &str) -> Result<Deployment, NotACertificate> {
        let (_, block) =
            x509_parser::pem::parse_x509_pem(pem.as_bytes()).map_err(|e| NotACertificate(e.to_string()))?;
        Deployment::of_certificate(&block.contents)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Deployment::Production => "production",
            Deployment::Training => "training",
        }
    }
}

impl std::fmt::Display for Deployment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn certificate(units: &[&str]) -> Vec<u8> {
        let mut params = rcgen::CertificateParams::new(vec!["sync.example".to_string()]).expect("params");
        for unit in units {
            params.distinguished_name.push(rcgen::DnType::OrganizationalUnitName, *unit);
        }
        let key = rcgen::KeyPair::generate().expect("key");
        params.self_signed(&key).expect("certificate").der().to_vec()
    }

    #[test]
    fn only_the_training_unit_marks_a_training_certificate() {
        assert_eq!(Deployment::of_certificate(&certificate(&[])), Ok(Deployment::Production));
        assert_eq!(Deployment::of_certificate(&certificate(&["Field Kit laptop"])), Ok(Deployment::Production));
        assert_eq!(Deployment::of_certificate(&certificate(&["TRAINING"])), Ok(Deployment::Production));
        assert_eq!(
            Deployment::of_certificate(&certificate(&["Field Kit laptop", TRAINING_UNIT])),
            Ok(Deployment::Training)
        );
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        assert!(Deployment::of_certificate(b"not der").is_err());
        assert!(Deployment::of_pem("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err());
    }
}
