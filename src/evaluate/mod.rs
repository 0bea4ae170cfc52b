//! `eegi evaluate`'s computation: a held-out model or the one cross-validation
//! ([`crate::validation`]) over a batch of recordings, into the report's data.

pub mod auto;
pub mod compare;
pub mod figures;
mod held_out;
pub mod report;
pub mod run;
pub mod study;
