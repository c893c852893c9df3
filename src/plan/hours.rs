//! Hours of operation (placeholder until the time arithmetic lands).

/// Parsed hours of operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hours {
    text: String,
    zone: String,
}

/// A bad hours string.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct HoursError {
    /// Byte offset.
    pub offset: usize,
    /// Length.
    pub len: usize,
    /// Message.
    pub message: String,
}

impl Hours {
    /// Parses hours.
    pub fn parse(text: &str, default_zone: &str) -> Result<Hours, HoursError> {
        Ok(Hours {
            text: text.to_string(),
            zone: default_zone.to_string(),
        })
    }

    /// Canonical text.
    pub fn canonical(&self) -> String {
        if self.text == "24x7" {
            return self.text.clone();
        }
        format!("{} {}", self.text, self.zone)
    }
}
