//! Label filters, the way rcompose finds what belongs to a project.
//!
//! The engine's `label=` filter is a conjunction of "has key" and "key equals value" terms. The
//! same type evaluates itself against a label map, so the fake engine filters exactly like the
//! real one.

use std::collections::BTreeMap;

/// A conjunction of label conditions; the empty filter matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LabelFilter {
    terms: Vec<LabelTerm>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LabelTerm {
    Has(String),
    Equals(String, String),
}

impl LabelFilter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds "label `key` is set to `value`".
    pub fn eq(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.terms.push(LabelTerm::Equals(key.into(), value.into()));
        self
    }

    /// Adds "label `key` is present, whatever its value".
    pub fn has(mut self, key: impl Into<String>) -> Self {
        self.terms.push(LabelTerm::Has(key.into()));
        self
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The terms in the engine's syntax: `key` or `key=value`.
    pub fn to_engine_terms(&self) -> Vec<String> {
        self.terms
            .iter()
            .map(|t| match t {
                LabelTerm::Has(k) => k.clone(),
                LabelTerm::Equals(k, v) => format!("{k}={v}"),
            })
            .collect()
    }

    /// Whether a label map satisfies every term.
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.terms.iter().all(|t| match t {
            LabelTerm::Has(k) => labels.contains_key(k),
            LabelTerm::Equals(k, v) => labels.get(k) == Some(v),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn empty_filter_matches_everything() {
        assert!(LabelFilter::new().matches(&labels(&[])));
    }

    #[test]
    fn all_terms_must_hold() {
        let f = LabelFilter::new().eq("project", "demo").has("service");
        assert!(f.matches(&labels(&[("project", "demo"), ("service", "web")])));
        assert!(!f.matches(&labels(&[("project", "demo")])));
        assert!(!f.matches(&labels(&[("project", "other"), ("service", "web")])));
        assert_eq!(f.to_engine_terms(), ["project=demo", "service"]);
    }
}
