//! Evaluation reports rendered from [`crate::evaluate::report::Report`] (filled by
//! [`crate::evaluate::run`]): JSON, Markdown, a self-contained HTML page with inline SVG, or a
//! short terminal table. Rendering only formats and draws; it never computes a metric.

pub mod compare;
mod erp_svg;
mod html;
mod markdown;
mod montage;
pub mod study;
mod svg;
mod words;

pub use crate::evaluate::report::*;
pub use html::html;
pub use markdown::{markdown, terminal};
pub use words::preprocessing as preprocessing_in_words;
