use time::OffsetDateTime;

/// A registrar's standing with the registry. Only an ACTIVE registrar may log in and change
/// objects; FAILED switches its portfolio into continuity mode; TERMINATED is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegistrarState {
    /// Accredited and operating.
    Active,
    /// Temporarily barred from the registry (still sponsors its names).
    Suspended,
    /// Declared failed by the registry operator: continuity mode.
    Failed,
    /// Accreditation ended; sponsors nothing any more.
    Terminated,
}

impl RegistrarState {
    /// The state's name as stored and printed.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrarState::Active => "ACTIVE",
            RegistrarState::Suspended => "SUSPENDED",
            RegistrarState::Failed => "FAILED",
            RegistrarState::Terminated => "TERMINATED",
        }
    }

    /// Parses a stored state name.
    pub fn parse(text: &str) -> Option<RegistrarState> {
        [Self::Active, Self::Suspended, Self::Failed, Self::Terminated]
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(text))
    }
}

/// A registrar: the EPP client that sponsors objects. Its money lives in ledger accounts
/// (see [`crate::model::Account`]), not here.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Registrar {
    /// The EPP client identifier (`clID`, 3–16 characters).
    pub id: String,
    /// The registrar's name.
    pub name: String,
    /// Its standing.
    pub state: RegistrarState,
    /// The EPP password as an argon2 PHC string.
    pub password_hash: String,
    /// SHA-256 fingerprints (lowercase hex) of the client certificates it may log in with.
    pub cert_fingerprints: Vec<String>,
    /// Where the registry writes to the registrar.
    pub email: Option<String>,
    /// The registrar designated to take over the portfolio should this one fail.
    pub successor: Option<String>,
    /// When it was accredited.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
