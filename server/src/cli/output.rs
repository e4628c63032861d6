//! How commands answer on stdout: lines of text for people, or with
//! `--format json` one JSON document for machines, in the Graph shapes the
//! REST API answers with ([`crate::graph`]).

use serde::Serialize;

use super::CliError;

/// What a command prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Prints `value` as one line of JSON.
pub fn print_json(value: &impl Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string(value)
        .map_err(|error| CliError::Refused(format!("cannot write the answer as JSON: {error}")))?;
    println!("{text}");
    Ok(())
}
