//! What the actions take as input (JSON bodies of the API, forms of the pages).

use serde::{Deserialize, Serialize};

/// A decision's or a verification's note (optional unless said otherwise).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct NoteInput {
    #[serde(default)]
    pub note: Option<String>,
}

/// A dispute's reason (申诉理由).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ReasonInput {
    #[serde(default)]
    pub reason: String,
}

/// 验收 / 核销: for a major hazard the bureau's on-site review date is required.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct VerifyInput {
    #[serde(default)]
    pub note: Option<String>,
    /// `YYYY-MM-DD`, not in the future; required for a major hazard (核销).
    #[serde(default)]
    pub reviewed_on: Option<String>,
}

/// 验收不通过 (for a major hazard: the on-site review failed), with its reason.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RejectInput {
    #[serde(default)]
    pub reason: String,
    /// For a major hazard: the review date, `YYYY-MM-DD` (today when absent).
    #[serde(default)]
    pub reviewed_on: Option<String>,
}

/// 延期申请: why, and until when (later than the deadline in force).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct ExtensionInput {
    #[serde(default)]
    pub reason: String,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub deadline: String,
}

/// A decision on an extension request (a refusal needs its note).
pub type DecisionInput = NoteInput;

/// A comment on the timeline.
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
pub struct CommentInput {
    #[serde(default)]
    pub text: String,
}
