//! 联盟成员资格 as a state machine: which transitions exist and who may make each. No I/O.
//!
//! ```text
//!  (none) / rejected / left ──apply (enterprise admin)──▶ applied ──approve (committee)──▶ approved
//!                          └──invite (committee)──────▶ invited  ──accept (enterprise admin)──▶ approved
//!  applied ──reject + reason (committee)──▶ rejected        invited ──decline (enterprise admin)──▶ rejected
//!  approved ──leave + reason (enterprise admin)──▶ left
//! ```
//!
//! The enterprise side is the admin of the membership's own enterprise (staff may look, not
//! act); the alliance side is a committee member of the membership's own alliance. A request
//! that no longer fits the current status (already decided, retried) is `Stale`.

use serde::{Deserialize, Serialize};

coded! {
    /// Where a membership stands.
    Status(16) {
        /// 申请中: the enterprise asked to join.
        Applied = "applied",
        /// 受邀中: the committee invited the enterprise.
        Invited = "invited",
        /// 成员
        Approved = "approved",
        /// 已拒绝: the committee rejected the application, or the enterprise declined the invitation.
        Rejected = "rejected",
        /// 已退出
        Left = "left",
    }
}

impl Status {
    /// Whether the enterprise is in the alliance or on its way in (no new apply or invite).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Applied | Status::Invited | Status::Approved)
    }
}

/// What someone asks to happen to a membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Apply,
    Invite,
    Approve,
    Reject,
    Accept,
    Decline,
    Leave,
}

impl Action {
    pub const ALL: [Action; 7] = [
        Action::Apply,
        Action::Invite,
        Action::Approve,
        Action::Reject,
        Action::Accept,
        Action::Decline,
        Action::Leave,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Apply => "apply",
            Action::Invite => "invite",
            Action::Approve => "approve",
            Action::Reject => "reject",
            Action::Accept => "accept",
            Action::Decline => "decline",
            Action::Leave => "leave",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// The side allowed to take this action.
    pub fn side(self) -> Party {
        match self {
            Action::Apply | Action::Accept | Action::Decline | Action::Leave => {
                Party::EnterpriseAdmin
            }
            Action::Invite | Action::Approve | Action::Reject => Party::Committee,
        }
    }

    /// Whether the action needs a reason (rejecting and leaving do).
    pub fn needs_reason(self) -> bool {
        matches!(self, Action::Reject | Action::Leave)
    }

    /// The statuses the action starts from (`None`: there is no membership row yet) and the
    /// status it leads to.
    fn transition(self) -> (&'static [Option<Status>], Status) {
        const FRESH: &[Option<Status>] = &[None, Some(Status::Rejected), Some(Status::Left)];
        match self {
            Action::Apply => (FRESH, Status::Applied),
            Action::Invite => (FRESH, Status::Invited),
            Action::Approve => (&[Some(Status::Applied)], Status::Approved),
            Action::Reject => (&[Some(Status::Applied)], Status::Rejected),
            Action::Accept => (&[Some(Status::Invited)], Status::Approved),
            Action::Decline => (&[Some(Status::Invited)], Status::Rejected),
            Action::Leave => (&[Some(Status::Approved)], Status::Left),
        }
    }
}

/// Who is asking, relative to the membership in question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// 企业管理员 of the membership's enterprise.
    EnterpriseAdmin,
    /// 企业安全员/员工 of the membership's enterprise: may look, not act.
    EnterpriseStaff,
    /// 联盟委员会 member of the membership's alliance.
    Committee,
    /// Anyone else (bureau, system admin, expert, another tenant).
    Outsider,
}

/// Why a transition is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// This party may not take this action.
    NotAllowed,
    /// The membership is not (or no longer) in a status the action starts from.
    Stale {
        action: Action,
        current: Option<Status>,
    },
    /// Rejecting and leaving need a reason.
    ReasonRequired,
}

impl Refusal {
    /// Catalog key of the message shown to the user.
    pub fn message_key(self) -> &'static str {
        match self {
            Refusal::NotAllowed => "error.forbidden",
            Refusal::ReasonRequired => "members.reason_required",
            Refusal::Stale { action, current } => match (action, current) {
                (Action::Apply | Action::Invite, Some(Status::Approved)) => {
                    "members.conflict_member"
                }
                (Action::Apply | Action::Invite, Some(Status::Applied)) => {
                    "members.conflict_applied"
                }
                (Action::Apply | Action::Invite, _) => "members.conflict_invited",
                (Action::Approve | Action::Reject, _) => "members.conflict_decided",
                (Action::Accept | Action::Decline, _) => "members.conflict_answered",
                (Action::Leave, _) => "members.conflict_not_member",
            },
        }
    }
}

/// Whether `party` may ever take `action`, whatever the membership's status.
pub fn permits(party: Party, action: Action) -> bool {
    party == action.side()
}

/// Checks one transition: `party` asks for `action` on a membership currently in `current`
/// (`None`: no membership yet), giving `reason`. Returns the status it leads to.
pub fn decide(
    party: Party,
    action: Action,
    current: Option<Status>,
    reason: Option<&str>,
) -> Result<Status, Refusal> {
    if !permits(party, action) {
        return Err(Refusal::NotAllowed);
    }
    let (from, to) = action.transition();
    if !from.contains(&current) {
        return Err(Refusal::Stale { action, current });
    }
    if action.needs_reason() && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Refusal::ReasonRequired);
    }
    Ok(to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Action::*;
    use Party::*;
    use Status::*;

    const PARTIES: [Party; 4] = [EnterpriseAdmin, EnterpriseStaff, Committee, Outsider];
    const CURRENT: [Option<Status>; 6] = [
        None,
        Some(Applied),
        Some(Invited),
        Some(Approved),
        Some(Rejected),
        Some(Left),
    ];

    /// Every allowed transition: (who, action, from, to).
    const ALLOWED: &[(Party, Action, Option<Status>, Status)] = &[
        (EnterpriseAdmin, Apply, None, Applied),
        (EnterpriseAdmin, Apply, Some(Rejected), Applied),
        (EnterpriseAdmin, Apply, Some(Left), Applied),
        (Committee, Invite, None, Invited),
        (Committee, Invite, Some(Rejected), Invited),
        (Committee, Invite, Some(Left), Invited),
        (Committee, Approve, Some(Applied), Approved),
        (Committee, Reject, Some(Applied), Rejected),
        (EnterpriseAdmin, Accept, Some(Invited), Approved),
        (EnterpriseAdmin, Decline, Some(Invited), Rejected),
        (EnterpriseAdmin, Leave, Some(Approved), Left),
    ];

    #[test]
    fn every_allowed_transition_leads_where_it_should() {
        for &(party, action, from, to) in ALLOWED {
            assert_eq!(
                decide(party, action, from, Some("理由")),
                Ok(to),
                "{party:?} {action:?} from {from:?}"
            );
        }
    }

    #[test]
    fn everything_else_is_refused() {
        for party in PARTIES {
            for action in Action::ALL {
                for from in CURRENT {
                    if ALLOWED
                        .iter()
                        .any(|&(p, a, f, _)| (p, a, f) == (party, action, from))
                    {
                        continue;
                    }
                    let got = decide(party, action, from, Some("理由"));
                    let want = if party == action.side() {
                        Refusal::Stale {
                            action,
                            current: from,
                        }
                    } else {
                        Refusal::NotAllowed
                    };
                    assert_eq!(got, Err(want), "{party:?} {action:?} from {from:?}");
                }
            }
        }
    }

    #[test]
    fn staff_and_outsiders_never_act() {
        for party in [EnterpriseStaff, Outsider] {
            for action in Action::ALL {
                for from in CURRENT {
                    assert_eq!(
                        decide(party, action, from, Some("理由")),
                        Err(Refusal::NotAllowed)
                    );
                }
            }
        }
    }

    #[test]
    fn each_side_keeps_to_its_own_actions() {
        assert_eq!(
            decide(EnterpriseAdmin, Approve, Some(Applied), None),
            Err(Refusal::NotAllowed),
            "an enterprise cannot approve itself"
        );
        assert_eq!(
            decide(Committee, Apply, None, None),
            Err(Refusal::NotAllowed)
        );
        assert_eq!(
            decide(Committee, Accept, Some(Invited), None),
            Err(Refusal::NotAllowed),
            "the committee cannot accept its own invitation"
        );
        assert_eq!(
            decide(Committee, Leave, Some(Approved), Some("x")),
            Err(Refusal::NotAllowed)
        );
    }

    #[test]
    fn rejecting_and_leaving_need_a_reason() {
        for reason in [None, Some(""), Some("  \n")] {
            assert_eq!(
                decide(Committee, Reject, Some(Applied), reason),
                Err(Refusal::ReasonRequired)
            );
            assert_eq!(
                decide(EnterpriseAdmin, Leave, Some(Approved), reason),
                Err(Refusal::ReasonRequired)
            );
        }
        for (party, action, from) in [
            (EnterpriseAdmin, Apply, None),
            (Committee, Invite, None),
            (Committee, Approve, Some(Applied)),
            (EnterpriseAdmin, Accept, Some(Invited)),
            (EnterpriseAdmin, Decline, Some(Invited)),
        ] {
            assert!(decide(party, action, from, None).is_ok(), "{action:?}");
        }
    }

    #[test]
    fn a_retried_decision_is_stale_with_a_message() {
        let again = decide(Committee, Approve, Some(Approved), None);
        assert_eq!(
            again,
            Err(Refusal::Stale {
                action: Approve,
                current: Some(Approved)
            })
        );
        assert_eq!(
            again.err().map(Refusal::message_key),
            Some("members.conflict_decided")
        );
        assert_eq!(
            decide(EnterpriseAdmin, Apply, Some(Approved), None)
                .err()
                .map(Refusal::message_key),
            Some("members.conflict_member")
        );
        assert_eq!(
            decide(EnterpriseAdmin, Apply, Some(Invited), None)
                .err()
                .map(Refusal::message_key),
            Some("members.conflict_invited")
        );
        assert_eq!(
            decide(Committee, Invite, Some(Applied), None)
                .err()
                .map(Refusal::message_key),
            Some("members.conflict_applied")
        );
    }

    #[test]
    fn names_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(*s));
        }
        for a in Action::ALL {
            assert_eq!(Action::parse(a.as_str()), Some(a));
        }
        assert_eq!(Status::parse("pending"), None);
        assert_eq!(Action::parse("expel"), None);
        assert!(Approved.is_open() && Applied.is_open() && Invited.is_open());
        assert!(!Rejected.is_open() && !Left.is_open());
    }
}
