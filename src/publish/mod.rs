//! Publishing a run where developers look: GitHub (sticky pull-request comment, check run with
//! annotations, SARIF upload, job summary) through octocrab, and GitLab merge-request notes.
//! Forges sit behind the small [`Forge`] trait so the logic is tested against a fake, and the
//! HTTP forges against a local server.

pub mod annotations;
pub mod command;
pub mod context;
pub mod forge;
pub mod github;
pub mod gitlab;
pub mod http;
pub mod options;
pub mod publisher;
pub mod summary;

pub use command::{
    PublishArgs, PublishCall, Tuning, publish_command, publish_command_with, publish_results,
    strict_exit,
};
pub use forge::{Forge, ForgeError, ForgeErrorKind};
pub use options::{ForgeOptions, PublishOptions, Token};
pub use publisher::{CommentMode, PublishReport, PublishSettings, publish};
