//! Who may see what: the one place tenant filters are built.
//!
//! A `Scope` is made once per request from the caller's token (role + tenant) and passed to
//! every service that lists, counts or fetches tenant data. Each entity has one function here
//! that turns a scope into the query condition; services have no other way to filter. A record
//! outside the scope is reported as not found (404), never as forbidden.
//!
//! The rules, entity by entity:
//! - **enterprises**: system admin all; bureau officer those whose `region_path` lies in its
//!   region subtree; committee member the enterprises that are members of its alliance or have
//!   applied to it; enterprise users their own enterprise; experts the enterprises they visit
//!   (an inspection of theirs) and those of the service requests they are assigned to.
//! - **alliances**: admin all; bureau officer those registered in its region subtree; committee
//!   member its own; enterprise users the alliances they are an approved member of; experts none.
//! - **audit log**: admin all; bureau officer rows whose actor's tenant lies in its region
//!   subtree; everyone else only their own actions.
//! - **memberships** (联盟成员资格, in any status, with their history): admin all; bureau
//!   officer those of an alliance or of an enterprise in its region subtree; committee member
//!   those of its alliance; enterprise users (admin and staff) their own enterprise's; experts
//!   none.
//! - **activity groups**: those of the alliances the scope may see (the alliance rule above):
//!   admin all, bureau its region's alliances', committee its alliance's, enterprise users
//!   those of alliances they are an approved member of; experts none.
//! - **regions for participation figures and targets** (参盟率): admin all; bureau officer its
//!   region and its subtree (a target set above its region still applies there, shown as
//!   inherited, but only the officer above can change it); everyone else none.
//! - **checklist templates** (检查表), to read and use: a bureau template (`region_id` set) is
//!   usable in its region's subtree, so it is seen by officers above or below it and by the
//!   committees and enterprises inside it; a committee template (`alliance_id` set) by its
//!   committee, the alliance's approved members, and the bureaus whose subtree holds the
//!   alliance. Admin all; experts the bureau templates. To change one, see `manages_template`.
//! - **inspection rounds** (互查轮次): admin all; bureau those of alliances in its subtree;
//!   committee its alliance's; enterprise users published rounds of groups they belong to;
//!   experts none.
//! - **inspections**: admin all; bureau those whose inspected enterprise lies in its subtree
//!   (`region_path` copied at creation); committee those of its alliance and those of its
//!   approved members (their self-inspections); enterprise users those where their enterprise
//!   inspects or is inspected, once published (a draft round's pairs are not shown); experts
//!   their own visits (`inspecting_expert_id`: the inspection of kind `expert` an assigned
//!   service request makes).
//! - **inspections acted on as the inspecting party** (start, submit): an enterprise's own
//!   assignments, and for an alliance's inspection only while it is an approved member of that
//!   alliance (a stale assignment after leaving is refused); an expert its own visits; nobody
//!   else.
//! - **hazards** (隐患): admin all; bureau by the hazard's `region_path`; committee those found
//!   in its alliance's inspections and those of its approved members; enterprise users those of
//!   their own enterprise and those their enterprise reported; experts those they found on
//!   their visits (`reporter_expert_id`).
//! - **attachments** (photos, documents): those of the hazards the scope may see, and of the
//!   inspections it may see for files not tied to a hazard.
//! - **originals of attachments** (the file as uploaded, with its EXIF/GPS evidence), among the
//!   attachments the scope may see: admin and bureau all; a committee those of its own
//!   alliance's inspections (and the hazards found in them) and of its approved members'
//!   self-inspections, not those of another alliance's inspection of a shared member;
//!   enterprise users those uploaded by their own enterprise, experts those they uploaded
//!   (`files::may_see_original`).
//! - **supervision listings** (挂牌督办): the bureau those in its subtree (by the hazard's
//!   `region_path`, copied when listed), the admin all, everyone else none (the enterprise and
//!   the committee see the listing on the hazard's timeline).
//! - **publications** (法律法规 / 通知公告): a bureau publishes for its region (`region_id` set,
//!   `region_path` its region's), a committee for its alliance (`alliance_id` set,
//!   `region_path` the alliance's). Admin all. A bureau officer sees the bureau publications of
//!   its region, of the regions above it (the city's reach the towns) and of its subtree, and
//!   the committee publications of the alliances in its subtree (the alliance rule). A
//!   committee sees its alliance's and the bureau publications on its region path (its
//!   region and those above). An enterprise sees the bureau publications on its region path
//!   and those of the alliances it is an approved member of (not of one it only applied to).
//!   An expert sees every bureau publication (experts serve the whole region; as the bureau
//!   checklist templates). Anyone, logged in or not, also reads the public ones through
//!   `public_publications` (the public pages); a non-public one outside the rule is 404.
//! - **the audience of a publication** (宣传覆盖: who is told, whose reads count, who is
//!   reminded): the active enterprise accounts (admin and staff) of the enterprises it reaches —
//!   a bureau's, the enterprises in its region subtree; a committee's, the approved members of
//!   its alliance (not applicants, not those who left). `publication_audience`, one condition on
//!   `users` that the reach figures, the publish fan-out and the reminder all use.
//! - **experts** (专家库, by the expert's `region_path`, copied at registration): admin all; a
//!   bureau officer those registered in its subtree and on its region path (a town officer
//!   uses the city's experts), active or not; it manages (edits, activates) only those in its
//!   subtree (`manages_expert`). A committee or an enterprise the *active* experts on its
//!   region path or in its subtree, as a directory (name, specialties, organisation only:
//!   `services::experts::DirectoryEntry`). An expert itself.
//! - **expert service requests** (专家服务申请, with their files, assignments and timeline):
//!   admin all; bureau by the request's `region_path` (the enterprise's, copied and moved with
//!   it) in its subtree; committee those it filed for its members (`alliance_id` its own);
//!   enterprise users their own enterprise's (filed by it or by a committee for it); experts
//!   those they have an assignment on in any state but withdrawn.

use sea_orm::{
    ColumnTrait, Condition,
    sea_query::{Expr, ExprTrait, Func, Query},
};
use serde::Serialize;

use crate::domain::inspection::{InspectionKind, RoundStatus};
use crate::domain::membership::Status as MembershipStatus;
use crate::domain::region_path::{path_and_ancestors, subtree_range};
use crate::domain::role::{Portal, Role};
use crate::models::{
    activity_group, alliance, alliance_membership, attachment, audit_log, checklist_template,
    enterprise, expert, expert_assignment, expert_request, group_member, hazard, inspection,
    inspection_round, publication, region, supervision, user,
};

/// The caller's tenant, as far as data access is concerned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Scope {
    /// 系统管理员: everything.
    System,
    /// 应急管理部门: a region node and its subtree.
    Region { region_id: i64, path: String },
    /// 联盟委员会: one alliance.
    Alliance {
        alliance_id: i64,
        region_path: String,
    },
    /// 企业: one enterprise.
    Enterprise {
        enterprise_id: i64,
        region_path: String,
    },
    /// 专家: only what is assigned to the expert.
    Expert { expert_id: i64 },
}

impl Scope {
    /// A short tenant label for the audit log ("region:330381", "alliance:3" …).
    pub fn tenant_label(&self) -> String {
        match self {
            Scope::System => "system".into(),
            Scope::Region { path, .. } => format!(
                "region:{}",
                path.trim_end_matches('/').rsplit('/').next().unwrap_or("")
            ),
            Scope::Alliance { alliance_id, .. } => format!("alliance:{alliance_id}"),
            Scope::Enterprise { enterprise_id, .. } => format!("enterprise:{enterprise_id}"),
            Scope::Expert { expert_id } => format!("expert:{expert_id}"),
        }
    }

    /// The region path the caller's tenant sits in (none for admin and experts).
    pub fn region_path(&self) -> Option<&str> {
        match self {
            Scope::Region { path, .. } => Some(path),
            Scope::Alliance { region_path, .. } | Scope::Enterprise { region_path, .. } => {
                Some(region_path)
            }
            Scope::System | Scope::Expert { .. } => None,
        }
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, Serialize)]
pub struct Caller {
    pub user_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// The session the token names (for logout and CSRF binding).
    #[serde(skip)]
    pub session_id: String,
}

impl Caller {
    pub fn portal(&self) -> Portal {
        self.role.portal()
    }
}

/// Whether the scope governs a region (and so may register, import or edit what lies in it):
/// the system admin everywhere, a bureau officer inside its subtree, nobody else.
pub fn governs_region(scope: &Scope, region_path: &str) -> bool {
    match scope {
        Scope::System => true,
        Scope::Region { path, .. } => crate::domain::region_path::contains(path, region_path),
        _ => false,
    }
}

/// `column` lies in the region subtree of `path` (the region itself and every one under it):
/// `column >= path AND column < high`, the byte range of `region_path::subtree_range`, which a
/// plain index on the column serves on both engines (the path columns use the C collation on
/// PostgreSQL). A malformed path matches nothing. The one subtree match of every query.
///
/// Each bound is wrapped in `likely(…)`: SQLite's planner keeps no statistics on ranges and
/// otherwise takes any range for a small one, so for an ordered page of a city bureau it would
/// read and sort the whole city; told the range holds most rows, it reads the list's order
/// index and checks the range on it, while a count still reads the range index. On PostgreSQL
/// `likely` is the identity (migration 000019, inlined, so the range stays an index condition)
/// and the planner chooses from its statistics.
pub fn in_subtree<C: ColumnTrait + Copy>(column: C, path: &str) -> Expr {
    match subtree_range(path) {
        Some((low, high)) => {
            let likely = |e: Expr| Expr::from(Func::cust("likely").arg(e));
            likely(column.gte(low)).and(likely(column.lt(high)))
        }
        None => Expr::cust("1 = 0"),
    }
}

#[cfg(test)]
mod subtree_tests {
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::*;

    fn sql(path: &str) -> String {
        hazard::Entity::find()
            .filter(in_subtree(hazard::Column::RegionPath, path))
            .build(DbBackend::Postgres)
            .to_string()
    }

    #[test]
    fn a_subtree_is_a_range_on_the_column_and_a_malformed_path_matches_nothing() {
        let q = sql("/3303/330381/");
        assert!(
            q.ends_with(
                "WHERE likely(\"hazards\".\"region_path\" >= '/3303/330381/') \
                 AND likely(\"hazards\".\"region_path\" < '/3303/3303810')"
            ),
            "{q}"
        );
        assert!(!q.contains("LIKE"), "{q}");
        for bad in ["/3303/330381", "3303/", "/33'; --/", "/33%/"] {
            let q = sql(bad);
            assert!(q.ends_with("WHERE 1 = 0"), "{bad}: {q}");
        }
    }
}

/// Rows of `E` matching any of `branches`, as `id IN (SELECT id … WHERE b1 UNION ALL SELECT id
/// … WHERE b2 …)`: each branch searches its own index on both engines. Written as a plain `OR`,
/// a branch that is an `IN (subquery)` leaves PostgreSQL no index to search (it filters a
/// whole scan with the hashed subquery), which at city scale reads every hazard per page.
fn any_of<E: sea_orm::EntityTrait>(id: E::Column, branches: Vec<Condition>) -> Condition {
    let mut branches = branches.into_iter().map(|b| {
        Query::select()
            .column(id)
            .from(E::default())
            .cond_where(b)
            .to_owned()
    });
    let Some(mut all) = branches.next() else {
        return nothing();
    };
    for b in branches {
        all.union(sea_orm::sea_query::UnionType::All, b);
    }
    Condition::all().add(id.in_subquery(all))
}

/// A condition that matches nothing.
fn nothing() -> Condition {
    Condition::all().add(Expr::cust("1 = 0"))
}

fn enterprises_of_alliance(
    alliance_id: i64,
    statuses: &[MembershipStatus],
) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(alliance_membership::Column::EnterpriseId)
        .from(alliance_membership::Entity)
        .and_where(alliance_membership::Column::AllianceId.eq(alliance_id))
        .and_where(alliance_membership::Column::Status.is_in(statuses.iter().copied()))
        .to_owned()
}

/// Which enterprises the scope may see.
pub fn enterprises(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            Condition::all().add(in_subtree(enterprise::Column::RegionPath, path))
        }
        Scope::Alliance { alliance_id, .. } => {
            Condition::all().add(enterprise::Column::Id.in_subquery(enterprises_of_alliance(
                *alliance_id,
                &[MembershipStatus::Approved, MembershipStatus::Applied],
            )))
        }
        Scope::Enterprise { enterprise_id, .. } => {
            Condition::all().add(enterprise::Column::Id.eq(*enterprise_id))
        }
        // The enterprises it visits, and those whose service requests it is assigned to (to
        // decide on an assignment before a visit exists).
        // (One `IN` of a union: see `any_of`.)
        Scope::Expert { expert_id } => Condition::all().add(
            enterprise::Column::Id.in_subquery(
                Query::select()
                    .column(inspection::Column::InspectedEnterpriseId)
                    .from(inspection::Entity)
                    .and_where(inspection::Column::InspectingExpertId.eq(*expert_id))
                    .union(
                        sea_orm::sea_query::UnionType::All,
                        Query::select()
                            .column(expert_request::Column::EnterpriseId)
                            .from(expert_request::Entity)
                            .cond_where(expert_requests(scope))
                            .to_owned(),
                    )
                    .to_owned(),
            ),
        ),
    }
}

/// Which alliances the scope may see.
pub fn alliances(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            Condition::all().add(in_subtree(alliance::Column::RegionPath, path))
        }
        Scope::Alliance { alliance_id, .. } => {
            Condition::all().add(alliance::Column::Id.eq(*alliance_id))
        }
        Scope::Enterprise { enterprise_id, .. } => Condition::all().add(
            alliance::Column::Id.in_subquery(
                Query::select()
                    .column(alliance_membership::Column::AllianceId)
                    .from(alliance_membership::Entity)
                    .and_where(alliance_membership::Column::EnterpriseId.eq(*enterprise_id))
                    .and_where(alliance_membership::Column::Status.eq(MembershipStatus::Approved))
                    .to_owned(),
            ),
        ),
        Scope::Expert { .. } => nothing(),
    }
}

/// Which alliance memberships (and so which membership events) the scope may see.
pub fn memberships(scope: &Scope) -> Condition {
    use alliance_membership::Column as M;
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => any_of::<alliance_membership::Entity>(
            M::Id,
            vec![
                Condition::all().add(
                    M::AllianceId.in_subquery(
                        Query::select()
                            .column(alliance::Column::Id)
                            .from(alliance::Entity)
                            .and_where(in_subtree(alliance::Column::RegionPath, path))
                            .to_owned(),
                    ),
                ),
                Condition::all().add(
                    M::EnterpriseId.in_subquery(
                        Query::select()
                            .column(enterprise::Column::Id)
                            .from(enterprise::Entity)
                            .and_where(in_subtree(enterprise::Column::RegionPath, path))
                            .to_owned(),
                    ),
                ),
            ],
        ),
        Scope::Alliance { alliance_id, .. } => Condition::all().add(M::AllianceId.eq(*alliance_id)),
        Scope::Enterprise { enterprise_id, .. } => {
            Condition::all().add(M::EnterpriseId.eq(*enterprise_id))
        }
        Scope::Expert { .. } => nothing(),
    }
}

/// Which activity groups the scope may see: those of the alliances it may see.
pub fn activity_groups(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Alliance { alliance_id, .. } => {
            Condition::all().add(activity_group::Column::AllianceId.eq(*alliance_id))
        }
        Scope::Expert { .. } => nothing(),
        Scope::Region { .. } | Scope::Enterprise { .. } => Condition::all().add(
            activity_group::Column::AllianceId.in_subquery(
                Query::select()
                    .column(alliance::Column::Id)
                    .from(alliance::Entity)
                    .cond_where(alliances(scope))
                    .to_owned(),
            ),
        ),
    }
}

/// Which regions the scope may report participation on and set targets for.
pub fn participation_regions(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => Condition::all().add(in_subtree(region::Column::Path, path)),
        _ => nothing(),
    }
}

/// Which audit records the caller may read.
pub fn audit_logs(caller: &Caller) -> Condition {
    match &caller.scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            Condition::all().add(in_subtree(audit_log::Column::RegionPath, path))
        }
        _ => Condition::all().add(audit_log::Column::ActorUserId.eq(caller.user_id)),
    }
}

/// Which checklist templates the scope may read and use.
pub fn checklist_templates(scope: &Scope) -> Condition {
    use checklist_template::Column as T;
    let bureau = |path: &str| {
        Condition::all()
            .add(T::RegionId.is_not_null())
            .add(T::RegionPath.is_in(path_and_ancestors(path)))
    };
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => Condition::any()
            .add(bureau(path))
            .add(in_subtree(T::RegionPath, path)),
        Scope::Alliance {
            alliance_id,
            region_path,
        } => Condition::any()
            .add(bureau(region_path))
            .add(T::AllianceId.eq(*alliance_id)),
        Scope::Enterprise { region_path, .. } => Condition::any().add(bureau(region_path)).add(
            T::AllianceId.in_subquery(
                Query::select()
                    .column(alliance::Column::Id)
                    .from(alliance::Entity)
                    .cond_where(alliances(scope))
                    .to_owned(),
            ),
        ),
        Scope::Expert { .. } => Condition::all().add(T::RegionId.is_not_null()),
    }
}

/// Whether the scope may change (edit, archive) a checklist template: the admin any; a bureau
/// officer the bureau templates published in its subtree; a committee its alliance's.
pub fn manages_template(scope: &Scope, template: &checklist_template::Model) -> bool {
    match scope {
        Scope::System => true,
        Scope::Region { path, .. } => {
            template.region_id.is_some()
                && crate::domain::region_path::contains(path, &template.region_path)
        }
        Scope::Alliance { alliance_id, .. } => template.alliance_id == Some(*alliance_id),
        Scope::Enterprise { .. } | Scope::Expert { .. } => false,
    }
}

fn approved_members(alliance_id: i64) -> sea_orm::sea_query::SelectStatement {
    enterprises_of_alliance(alliance_id, &[MembershipStatus::Approved])
}

/// Which 互查 rounds the scope may see.
pub fn inspection_rounds(scope: &Scope) -> Condition {
    use inspection_round::Column as R;
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { .. } => Condition::all().add(
            R::AllianceId.in_subquery(
                Query::select()
                    .column(alliance::Column::Id)
                    .from(alliance::Entity)
                    .cond_where(alliances(scope))
                    .to_owned(),
            ),
        ),
        Scope::Alliance { alliance_id, .. } => Condition::all().add(R::AllianceId.eq(*alliance_id)),
        Scope::Enterprise { enterprise_id, .. } => Condition::all()
            .add(R::Status.eq(RoundStatus::Published))
            .add(
                R::GroupId.in_subquery(
                    Query::select()
                        .column(group_member::Column::GroupId)
                        .from(group_member::Entity)
                        .and_where(group_member::Column::EnterpriseId.eq(*enterprise_id))
                        .to_owned(),
                ),
            ),
        Scope::Expert { .. } => nothing(),
    }
}

/// Inspections of a round still in draft are the committee's working copy.
fn not_in_draft_round() -> Condition {
    Condition::any()
        .add(inspection::Column::RoundId.is_null())
        .add(
            inspection::Column::RoundId.in_subquery(
                Query::select()
                    .column(inspection_round::Column::Id)
                    .from(inspection_round::Entity)
                    .and_where(inspection_round::Column::Status.eq(RoundStatus::Published))
                    .to_owned(),
            ),
        )
}

/// Which inspections the scope may see.
pub fn inspections(scope: &Scope) -> Condition {
    use inspection::Column as I;
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => Condition::all().add(in_subtree(I::RegionPath, path)),
        Scope::Alliance { alliance_id, .. } => any_of::<inspection::Entity>(
            I::Id,
            vec![
                Condition::all().add(I::AllianceId.eq(*alliance_id)),
                Condition::all()
                    .add(I::InspectedEnterpriseId.in_subquery(approved_members(*alliance_id)))
                    .add(not_in_draft_round()),
            ],
        ),
        Scope::Enterprise { enterprise_id, .. } => Condition::all()
            .add(
                Condition::any()
                    .add(I::InspectedEnterpriseId.eq(*enterprise_id))
                    .add(I::InspectingEnterpriseId.eq(*enterprise_id)),
            )
            .add(not_in_draft_round()),
        Scope::Expert { expert_id } => Condition::all().add(I::InspectingExpertId.eq(*expert_id)),
    }
}

/// Which hazards the scope may see.
pub fn hazards(scope: &Scope) -> Condition {
    use hazard::Column as H;
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => Condition::all().add(in_subtree(H::RegionPath, path)),
        // Found in its alliance, or at its approved members anywhere else.
        Scope::Alliance { .. } => any_of::<hazard::Entity>(H::Id, hazard_parts(scope)),
        Scope::Enterprise { enterprise_id, .. } => Condition::any()
            .add(H::EnterpriseId.eq(*enterprise_id))
            .add(H::ReporterEnterpriseId.eq(*enterprise_id)),
        Scope::Expert { expert_id } => Condition::all().add(H::ReporterExpertId.eq(*expert_id)),
    }
}

/// The hazards the scope may see (`hazards`) as parts that never overlap, for a list to read
/// each in its own index order and merge the pages (`keyset::page_with`): a committee's are
/// those found in its alliance (by `(alliance_id, found_at, id)`) and its approved members'
/// found anywhere else; every other scope is one part.
pub fn hazard_parts(scope: &Scope) -> Vec<Condition> {
    use hazard::Column as H;
    match scope {
        Scope::Alliance { alliance_id, .. } => vec![
            Condition::all().add(H::AllianceId.eq(*alliance_id)),
            Condition::all()
                .add(H::EnterpriseId.in_subquery(approved_members(*alliance_id)))
                .add(
                    Condition::any()
                        .add(H::AllianceId.is_null())
                        .add(H::AllianceId.ne(*alliance_id)),
                ),
        ],
        _ => vec![hazards(scope)],
    }
}

/// Which supervision listings (挂牌督办) the scope may see.
pub fn supervisions(scope: &Scope) -> Condition {
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => {
            Condition::all().add(in_subtree(supervision::Column::RegionPath, path))
        }
        _ => nothing(),
    }
}

/// Which attachments the scope may fetch: a hazard's files follow the hazard rule, other
/// files (checklist-item photos of passed items) the inspection rule.
pub fn attachments(scope: &Scope) -> Condition {
    use attachment::Column as A;
    if *scope == Scope::System {
        return Condition::all();
    }
    Condition::any()
        .add(
            A::HazardId.in_subquery(
                Query::select()
                    .column(hazard::Column::Id)
                    .from(hazard::Entity)
                    .cond_where(hazards(scope))
                    .to_owned(),
            ),
        )
        .add(
            Condition::all().add(A::HazardId.is_null()).add(
                A::InspectionId.in_subquery(
                    Query::select()
                        .column(inspection::Column::Id)
                        .from(inspection::Entity)
                        .cond_where(inspections(scope))
                        .to_owned(),
                ),
            ),
        )
}

/// Among the attachments a committee may see, those whose original it may fetch: files of its
/// own alliance's inspections and of the hazards found in them, and of its approved members'
/// self-inspections (and their hazards). Other scopes: see the rule at the top.
pub fn committee_originals(alliance_id: i64) -> Condition {
    use attachment::Column as A;
    let own_inspections = Condition::any()
        .add(inspection::Column::AllianceId.eq(alliance_id))
        .add(
            Condition::all()
                .add(inspection::Column::Kind.eq(InspectionKind::SelfCheck))
                .add(
                    inspection::Column::InspectedEnterpriseId
                        .in_subquery(approved_members(alliance_id)),
                ),
        );
    let inspection_ids = Query::select()
        .column(inspection::Column::Id)
        .from(inspection::Entity)
        .cond_where(own_inspections)
        .to_owned();
    let hazard_ids = Query::select()
        .column(hazard::Column::Id)
        .from(hazard::Entity)
        .cond_where(
            Condition::any()
                .add(hazard::Column::AllianceId.eq(alliance_id))
                .add(hazard::Column::InspectionId.in_subquery(inspection_ids.clone())),
        )
        .to_owned();
    Condition::any()
        .add(A::HazardId.in_subquery(hazard_ids))
        .add(
            Condition::all()
                .add(A::HazardId.is_null())
                .add(A::InspectionId.in_subquery(inspection_ids)),
        )
}

/// Which inspections the scope may conduct as the inspecting party: its enterprise's own
/// assignments, an alliance's only while the enterprise is an approved member of it; an
/// expert's own visits.
pub fn inspections_to_conduct(scope: &Scope) -> Condition {
    use alliance_membership::Column as M;
    use inspection::Column as I;
    if let Scope::Expert { expert_id } = scope {
        return Condition::all().add(I::InspectingExpertId.eq(*expert_id));
    }
    let Scope::Enterprise { enterprise_id, .. } = scope else {
        return nothing();
    };
    Condition::all()
        .add(I::InspectingEnterpriseId.eq(*enterprise_id))
        .add(
            Condition::any()
                .add(I::AllianceId.is_null())
                .add(Expr::exists(
                    Query::select()
                        .column(M::Id)
                        .from(alliance_membership::Entity)
                        .and_where(M::EnterpriseId.eq(*enterprise_id))
                        .and_where(
                            Expr::col((alliance_membership::Entity, M::AllianceId))
                                .equals((inspection::Entity, I::AllianceId)),
                        )
                        .and_where(M::Status.eq(MembershipStatus::Approved))
                        .to_owned(),
                )),
        )
}

/// Which publications (法律法规 / 通知公告) the scope may read (the rule at the top).
pub fn publications(scope: &Scope) -> Condition {
    use publication::Column as P;
    let bureau_on_path = |path: &str| {
        Condition::all()
            .add(P::RegionId.is_not_null())
            .add(P::RegionPath.is_in(path_and_ancestors(path)))
    };
    let of_alliances_seen = || {
        P::AllianceId.in_subquery(
            Query::select()
                .column(alliance::Column::Id)
                .from(alliance::Entity)
                .cond_where(alliances(scope))
                .to_owned(),
        )
    };
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => Condition::any()
            .add(bureau_on_path(path))
            .add(
                Condition::all()
                    .add(P::RegionId.is_not_null())
                    .add(in_subtree(P::RegionPath, path)),
            )
            .add(of_alliances_seen()),
        Scope::Alliance {
            alliance_id,
            region_path,
        } => Condition::any()
            .add(bureau_on_path(region_path))
            .add(P::AllianceId.eq(*alliance_id)),
        Scope::Enterprise { region_path, .. } => Condition::any()
            .add(bureau_on_path(region_path))
            .add(of_alliances_seen()),
        Scope::Expert { .. } => Condition::all().add(P::RegionId.is_not_null()),
    }
}

/// The audience of a publication (the rule at the top): a condition on `users`.
pub fn publication_audience(p: &publication::Model) -> Condition {
    use user::Column as U;
    let reached = match (p.region_id, p.alliance_id) {
        (Some(_), _) => Query::select()
            .column(enterprise::Column::Id)
            .from(enterprise::Entity)
            .and_where(in_subtree(enterprise::Column::RegionPath, &p.region_path))
            .to_owned(),
        (None, Some(alliance_id)) => approved_members(alliance_id),
        (None, None) => return nothing(),
    };
    Condition::all()
        .add(U::Active.eq(true))
        .add(U::Role.is_in([
            Role::EnterpriseAdmin.as_str(),
            Role::EnterpriseStaff.as_str(),
        ]))
        .add(U::EnterpriseId.in_subquery(reached))
}

/// The publications anyone may read without logging in: those their publisher made public.
pub fn public_publications() -> Condition {
    Condition::all().add(publication::Column::IsPublic.eq(true))
}

/// The experts whose region is on `path` (its region and those above) or inside its subtree.
fn experts_in_reach(path: &str) -> Condition {
    use expert::Column as X;
    Condition::any()
        .add(X::RegionPath.is_in(path_and_ancestors(path)))
        .add(in_subtree(X::RegionPath, path))
}

/// Which experts (专家库) the scope may see (the rule at the top).
pub fn experts(scope: &Scope) -> Condition {
    use expert::Column as X;
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => experts_in_reach(path),
        Scope::Alliance { region_path, .. } | Scope::Enterprise { region_path, .. } => {
            Condition::all()
                .add(X::Active.eq(true))
                .add(experts_in_reach(region_path))
        }
        Scope::Expert { expert_id } => Condition::all().add(X::Id.eq(*expert_id)),
    }
}

/// Whether the scope manages (edits, activates, deactivates) an expert: the admin any, a
/// bureau officer those registered in its subtree, nobody else.
pub fn manages_expert(scope: &Scope, e: &expert::Model) -> bool {
    governs_region(scope, &e.region_path)
}

#[cfg(test)]
mod expert_tests {
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::*;

    fn sql(scope: &Scope) -> String {
        let q = expert::Entity::find()
            .filter(experts(scope))
            .build(DbBackend::Sqlite)
            .to_string();
        q.split_once(" WHERE ")
            .map(|(_, w)| w.to_string())
            .unwrap_or_default()
    }

    fn at(path: &str) -> expert::Model {
        expert::Model {
            id: 1,
            name: "陈志强".into(),
            organisation: String::new(),
            region_id: 1,
            region_path: path.into(),
            phone: String::new(),
            title: String::new(),
            active: true,
        }
    }

    #[test]
    fn a_town_officer_sees_the_city_and_its_subtree_and_manages_its_subtree_only() {
        let town = Scope::Region {
            region_id: 2,
            path: "/330381/330381101/".into(),
        };
        let q = sql(&town);
        assert!(
            q.contains("\"region_path\" IN ('/330381/', '/330381/330381101/')"),
            "{q}"
        );
        assert!(matches_town_subtree(&q), "{q}");
        assert!(!q.contains("active"), "inactive ones too: {q}");
        assert!(manages_expert(&town, &at("/330381/330381101/")));
        assert!(manages_expert(
            &town,
            &at("/330381/330381101/330381101201/")
        ));
        assert!(!manages_expert(&town, &at("/330381/")));
        assert!(!manages_expert(&town, &at("/330381/330381104/")));
        assert!(manages_expert(&Scope::System, &at("/330381/")));
    }

    #[test]
    fn committees_and_enterprises_see_active_experts_in_reach_and_an_expert_itself() {
        for scope in [
            Scope::Alliance {
                alliance_id: 3,
                region_path: "/330381/330381101/".into(),
            },
            Scope::Enterprise {
                enterprise_id: 9,
                region_path: "/330381/330381101/".into(),
            },
        ] {
            let q = sql(&scope);
            assert!(q.contains("\"active\" = TRUE"), "{q}");
            assert!(q.contains("'/330381/', '/330381/330381101/'"), "{q}");
            assert!(matches_town_subtree(&q), "{q}");
            assert!(!manages_expert(&scope, &at("/330381/330381101/")));
        }
        assert_eq!(
            sql(&Scope::Expert { expert_id: 4 }),
            "\"experts\".\"id\" = 4"
        );
        assert!(!manages_expert(
            &Scope::Expert { expert_id: 1 },
            &at("/330381/")
        ));
        assert_eq!(sql(&Scope::System), "TRUE");
    }
}

/// Whether SQL holds the subtree match of 塘下镇 (`/330381/330381101/`): its byte range.
#[cfg(test)]
fn matches_town_subtree(sql: &str) -> bool {
    sql.contains("\"region_path\" >= '/330381/330381101/') AND likely(")
        && sql.contains("\"region_path\" < '/330381/3303811010')")
}

/// Which expert service requests the scope may see (the rule at the top).
pub fn expert_requests(scope: &Scope) -> Condition {
    use expert_request::Column as R;
    match scope {
        Scope::System => Condition::all(),
        Scope::Region { path, .. } => Condition::all().add(in_subtree(R::RegionPath, path)),
        Scope::Alliance { alliance_id, .. } => Condition::all().add(R::AllianceId.eq(*alliance_id)),
        Scope::Enterprise { enterprise_id, .. } => {
            Condition::all().add(R::EnterpriseId.eq(*enterprise_id))
        }
        Scope::Expert { expert_id } => Condition::all().add(
            R::Id.in_subquery(
                Query::select()
                    .column(expert_assignment::Column::RequestId)
                    .from(expert_assignment::Entity)
                    .and_where(expert_assignment::Column::ExpertId.eq(*expert_id))
                    .and_where(
                        expert_assignment::Column::State
                            .ne(crate::domain::expert_flow::AssignmentState::Withdrawn),
                    )
                    .to_owned(),
            ),
        ),
    }
}

#[cfg(test)]
mod expert_request_tests {
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::*;

    fn sql(scope: &Scope) -> String {
        let q = expert_request::Entity::find()
            .filter(expert_requests(scope))
            .build(DbBackend::Sqlite)
            .to_string();
        q.split_once(" WHERE ")
            .map(|(_, w)| w.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn each_party_sees_its_own_requests_only() {
        assert_eq!(sql(&Scope::System), "TRUE");
        let town = Scope::Region {
            region_id: 2,
            path: "/330381/330381101/".into(),
        };
        assert!(matches_town_subtree(&sql(&town)));
        let committee = Scope::Alliance {
            alliance_id: 7,
            region_path: "/330381/".into(),
        };
        assert_eq!(sql(&committee), "\"expert_requests\".\"alliance_id\" = 7");
        let e = Scope::Enterprise {
            enterprise_id: 9,
            region_path: "/330381/".into(),
        };
        assert_eq!(sql(&e), "\"expert_requests\".\"enterprise_id\" = 9");
        let q = sql(&Scope::Expert { expert_id: 4 });
        assert!(q.contains("FROM \"expert_assignments\""), "{q}");
        assert!(q.contains("\"expert_id\" = 4"), "{q}");
        assert!(q.contains("\"state\" <> 'withdrawn'"), "{q}");
    }
}

#[cfg(test)]
mod publication_tests {
    use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};

    use super::*;

    /// The `WHERE` clause of the scope's publication query (empty for none).
    fn sql(scope: &Scope) -> String {
        let q = publication::Entity::find()
            .filter(publications(scope))
            .build(DbBackend::Sqlite)
            .to_string();
        q.split_once(" WHERE ")
            .map(|(_, w)| w.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn a_bureau_sees_its_region_above_and_below_and_its_alliances() {
        let town = Scope::Region {
            region_id: 2,
            path: "/330381/330381101/".into(),
        };
        let q = sql(&town);
        assert!(
            q.contains("\"region_path\" IN ('/330381/', '/330381/330381101/')"),
            "{q}"
        );
        assert!(matches_town_subtree(&q), "{q}");
        assert!(q.contains("FROM \"alliances\""), "{q}");
        assert!(q.contains("\"region_id\" IS NOT NULL"), "{q}");
    }

    #[test]
    fn a_committee_sees_its_alliance_and_the_bureaus_on_its_path_only() {
        let committee = Scope::Alliance {
            alliance_id: 7,
            region_path: "/330381/330381101/".into(),
        };
        let q = sql(&committee);
        assert!(q.contains("\"alliance_id\" = 7"), "{q}");
        assert!(
            q.contains("\"region_path\" IN ('/330381/', '/330381/330381101/')"),
            "{q}"
        );
        // Nothing below its region and no other alliance.
        assert!(!q.contains("LIKE"), "{q}");
        assert!(!q.contains("FROM \"alliances\""), "{q}");
    }

    #[test]
    fn an_enterprise_sees_its_path_and_the_alliances_it_is_an_approved_member_of() {
        let e = Scope::Enterprise {
            enterprise_id: 9,
            region_path: "/330381/330381101/330381101201/".into(),
        };
        let q = sql(&e);
        assert!(q.contains("'/330381/330381101/330381101201/'"), "{q}");
        assert!(q.contains("\"enterprise_id\" = 9"), "{q}");
        assert!(q.contains("\"status\" = 'approved'"), "{q}");
        assert!(!q.contains("LIKE"), "{q}");
    }

    fn audience_sql(region_id: Option<i64>, alliance_id: Option<i64>, path: &str) -> String {
        let p = publication::Model {
            id: 1,
            kind: crate::domain::publication::PublicationKind::Notice,
            title: String::new(),
            doc_number: None,
            issuer: String::new(),
            published_on: chrono::NaiveDate::default(),
            effective_on: None,
            status: crate::domain::publication::PublicationStatus::Current,
            superseded_by: None,
            body: String::new(),
            is_public: false,
            region_id,
            alliance_id,
            region_path: path.into(),
            created_by: None,
            created_at: chrono::DateTime::default(),
            updated_at: chrono::DateTime::default(),
            requires_ack: true,
            reminded_at: None,
        };
        user::Entity::find()
            .filter(publication_audience(&p))
            .build(DbBackend::Sqlite)
            .to_string()
    }

    #[test]
    fn a_publications_audience_is_the_active_enterprise_accounts_it_reaches() {
        let bureau = audience_sql(Some(2), None, "/330381/330381101/");
        assert!(matches_town_subtree(&bureau), "{bureau}");
        assert!(bureau.contains("\"active\" = TRUE"), "{bureau}");
        assert!(
            bureau.contains("IN ('enterprise_admin', 'enterprise_staff')"),
            "{bureau}"
        );
        let committee = audience_sql(None, Some(7), "/330381/");
        assert!(committee.contains("\"alliance_id\" = 7"), "{committee}");
        // Approved members only: not applicants, not those who left.
        assert!(
            committee.contains("\"status\" IN ('approved')"),
            "{committee}"
        );
        assert!(!committee.contains("LIKE"), "{committee}");
    }

    #[test]
    fn an_expert_sees_bureau_publications_and_the_admin_everything() {
        let q = sql(&Scope::Expert { expert_id: 1 });
        assert!(q.contains("\"region_id\" IS NOT NULL"), "{q}");
        assert!(!q.contains("alliance_id"), "{q}");
        assert_eq!(sql(&Scope::System), "TRUE");
        let p = publication::Entity::find()
            .filter(public_publications())
            .build(DbBackend::Sqlite)
            .to_string();
        assert!(p.contains("\"is_public\" = TRUE"), "{p}");
    }
}
