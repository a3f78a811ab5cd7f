//! Loads the demo fixtures (the `seed` crate) through the services the pages and the API use
//! (registry, enterprises, alliances, membership, groups, users, checklists), with their checks
//! and audit records (authored by the system), in one transaction: either all of it is there or
//! none of it.

use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::db::begin_write;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::user;
use crate::scope::Scope;
use crate::services::alliances::{self, AllianceInput};
use crate::services::audit::{self, Author, Outcome};
use crate::services::catalog::{self, NewIndustryInput, NewRiskTagInput};
use crate::services::checklists;
use crate::services::enterprises::{self, EnterpriseInput};
use crate::services::experts;
use crate::services::groups;
use crate::services::membership::{self, EventAuthor};
use crate::services::publications;
use crate::services::registry;
use crate::services::users::{self, NewUser};
use crate::state::Core;

/// A demo login, for printing at start.
#[derive(Debug, Clone)]
pub struct DemoLogin {
    pub username: String,
    pub password: String,
    pub role: Role,
    pub display_name: String,
}

/// The demo logins (from the fixtures, whether or not they are loaded).
pub fn demo_logins() -> AppResult<Vec<DemoLogin>> {
    let data = seed::demo().map_err(AppError::internal)?;
    Ok(data
        .accounts
        .into_iter()
        .filter_map(|a| {
            Some(DemoLogin {
                role: Role::parse(&a.role)?,
                username: a.username,
                password: a.password,
                display_name: a.display_name,
            })
        })
        .collect())
}

/// Whether the database has no accounts yet.
pub async fn is_empty(core: &Core) -> AppResult<bool> {
    Ok(user::Entity::find().count(&core.db).await? == 0)
}

/// Whether any demo account is an active login here.
pub async fn demo_accounts_present(core: &Core) -> AppResult<bool> {
    let names: Vec<String> = demo_logins()?.into_iter().map(|l| l.username).collect();
    let found = user::Entity::find()
        .filter(user::Column::Username.is_in(names))
        .filter(user::Column::Active.eq(true))
        .count(&core.db)
        .await?;
    Ok(found > 0)
}

/// Loads the demo fixtures of the `seed` crate.
pub async fn load_demo(core: &Core) -> AppResult<()> {
    let data = seed::demo().map_err(AppError::internal)?;
    load(core, &data).await
}

/// Loads fixtures through the same services (and the same checks) as the pages and the API, in
/// one transaction: the first refused row refuses all of it, with the error the service gives.
pub async fn load(core: &Core, data: &seed::DemoData) -> AppResult<()> {
    let txn = begin_write(&core.db).await?;
    for r in &data.regions {
        registry::create_region(&txn, &r.code, &r.name, r.parent.as_deref()).await?;
    }
    let actor = Author::system();
    for i in &data.industries {
        let input = NewIndustryInput {
            code: i.code.clone(),
            name: i.name.clone(),
            parent: i.parent.clone().unwrap_or_default(),
        };
        catalog::create_industry_in(core, &txn, &actor, input).await?;
    }
    for t in &data.risk_tags {
        let input = NewRiskTagInput {
            code: t.code.clone(),
            name: t.name.clone(),
        };
        catalog::create_risk_tag_in(core, &txn, &actor, input).await?;
    }
    for e in &data.enterprises {
        let input = EnterpriseInput {
            credit_code: e.credit_code.clone(),
            name: e.name.clone(),
            region: e.region.clone(),
            industry: e.industry.clone(),
            address: e.address.clone(),
            legal_representative: e.legal_representative.clone(),
            safety_officer: e.safety_officer.clone(),
            safety_phone: e.safety_phone.clone(),
            employees: Some(e.employees.into()),
            scale: e.scale.clone(),
            risk_tags: e.risk_tags.clone(),
        };
        let valid = enterprises::checked(&txn, &Scope::System, &input, None).await?;
        enterprises::insert_enterprise(&txn, core.now(), &valid).await?;
    }
    for a in &data.alliances {
        let input = AllianceInput {
            name: a.name.clone(),
            kind: a.kind.clone(),
            region: a.region.clone(),
            lead: a.lead.clone(),
            charter: a.charter.clone(),
            founded_on: a.founded_on.clone(),
            status: String::new(),
        };
        let by = EventAuthor::system();
        let alliance =
            alliances::register_in(core, &txn, &Scope::System, &actor, &by, input).await?;
        // The lead is a member with the registration already.
        for m in a.members.iter().filter(|m| **m != a.lead) {
            let e = registry::enterprise_by_code(&txn, m).await?;
            membership::admit_in(core, &txn, &alliance, e.id).await?;
        }
        for g in &a.groups {
            let group = groups::create_in(core, &txn, &actor, alliance.id, &g.name).await?;
            for m in &g.members {
                let e = registry::enterprise_by_code(&txn, m).await?;
                groups::add_member_in(core, &txn, &actor, &group, e.id).await?;
            }
            let leader = registry::enterprise_by_code(&txn, &g.leader).await?;
            groups::set_leader_in(core, &txn, &actor, group, leader.id).await?;
        }
    }
    // 专家库, through the pool's one insert path (its check, its audit record).
    let mut expert_ids = std::collections::HashMap::new();
    let mut inactive_experts = Vec::new();
    for x in &data.experts {
        let input = experts::ExpertInput {
            name: x.name.clone(),
            title: x.title.clone(),
            organisation: x.organisation.clone(),
            phone: x.phone.clone(),
            region: x.region.clone(),
            specialties: x.specialties.clone(),
            active: true,
        };
        let profile = input.parse().map_err(AppError::Validation)?;
        let e = experts::write::insert(&txn, core, &actor, &Scope::System, &profile).await?;
        if !x.active {
            inactive_experts.push(e.clone());
        }
        expert_ids.insert(x.key.clone(), e.id);
    }
    for a in &data.accounts {
        let role = Role::parse(&a.role).ok_or(AppError::BadRequest("user.bad_role"))?;
        users::create(
            core,
            &txn,
            &actor,
            NewUser {
                username: a.username.clone(),
                display_name: a.display_name.clone(),
                password: a.password.clone(),
                role,
                email: a.email.clone(),
                region_code: a.region.clone(),
                alliance_name: a.alliance.clone(),
                enterprise_credit_code: a.enterprise.clone(),
                expert_id: a.expert.as_ref().and_then(|k| expert_ids.get(k).copied()),
            },
        )
        .await?;
    }
    // An inactive expert's account is closed with it.
    for e in inactive_experts {
        let e = experts::write::apply_active(&txn, core, e, false).await?;
        audit::record(
            &txn,
            core.now(),
            &actor,
            "expert.deactivate",
            Some(("expert", e.id.to_string())),
            Outcome::Success,
            Some(e.name),
        )
        .await?;
    }
    // 法律法规 / 通知公告, through the publications service; a successor comes first.
    let mut publication_ids = std::collections::HashMap::new();
    let mut basis_ids = std::collections::HashMap::new();
    for p in &data.publications {
        let publisher = publications::write::Publisher::lookup(
            &txn,
            p.region.as_deref(),
            p.alliance.as_deref(),
        )
        .await?;
        let input = publications::PublicationInput {
            kind: p.kind.clone(),
            title: p.title.clone(),
            doc_number: p.doc_number.clone(),
            issuer: p.issuer.clone(),
            published_on: p.published_on.clone(),
            effective_on: p.effective_on.clone(),
            body: p.body.clone(),
            is_public: p.public,
            industries: p.industries.clone(),
            risk_tags: p.risk_tags.clone(),
            requires_ack: false,
        };
        let parsed = input.parse().map_err(AppError::Validation)?;
        let row = publications::write::insert(&txn, core, &actor, &publisher, &parsed).await?;
        publication_ids.insert(p.key.clone(), row.id);
        basis_ids.insert(p.title.as_str(), row.id);
        if !p.doc_number.is_empty() {
            basis_ids.insert(p.doc_number.as_str(), row.id);
        }
        if let Some(status) = &p.status {
            let change = publications::StatusChange {
                status: status.clone(),
                superseded_by: p
                    .superseded_by
                    .as_ref()
                    .and_then(|k| publication_ids.get(k))
                    .map(|id| id.to_string()),
            };
            publications::write::set_status(&txn, core, &publisher, row, &change).await?;
        }
    }
    // 检查表, after the publications their items' legal bases link to (by title or 文号).
    for c in &data.checklists {
        let owner =
            checklists::write::Owner::lookup(&txn, c.region.as_deref(), c.alliance.as_deref())
                .await?;
        let input = checklists::TemplateInput {
            title: c.title.clone(),
            topic: c.topic.clone(),
            note: None,
            items: c
                .items
                .iter()
                .map(|i| -> AppResult<_> {
                    Ok(checklists::ItemInput {
                        category: i.category.clone(),
                        requirement: i.requirement.clone(),
                        legal_basis: i.legal_basis.clone(),
                        basis_publication_id: match &i.basis_publication {
                            Some(name) => Some(
                                *basis_ids
                                    .get(name.as_str())
                                    .ok_or(AppError::BadRequest("basis.unknown_publication"))?,
                            ),
                            None => None,
                        },
                    })
                })
                .collect::<AppResult<Vec<_>>>()?,
        };
        checklists::write::insert_template(&txn, core, &owner, None, &input).await?;
    }
    // 三色标签: every demo enterprise gets its first score and label.
    crate::services::labels::recompute_all(&txn, core, "/", crate::services::labels::REASON_SEED)
        .await?;
    audit::record(
        &txn,
        core.now(),
        &actor,
        "seed.demo",
        None,
        Outcome::Success,
        Some(format!(
            "{} regions, {} enterprises, {} alliances, {} accounts",
            data.regions.len(),
            data.enterprises.len(),
            data.alliances.len(),
            data.accounts.len()
        )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::domain::credit_code::CreditCode;

    #[test]
    fn every_demo_credit_code_is_valid() {
        let data = seed::demo().expect("fixtures parse");
        for e in &data.enterprises {
            assert!(
                CreditCode::parse(&e.credit_code).is_ok(),
                "{} {}",
                e.name,
                e.credit_code
            );
        }
    }

    #[test]
    fn every_demo_publication_parses_and_names_an_earlier_successor() {
        let data = seed::demo().expect("fixtures parse");
        assert!(data.publications.len() >= 12);
        let mut seen = std::collections::HashSet::new();
        for p in &data.publications {
            let input = crate::services::publications::PublicationInput {
                kind: p.kind.clone(),
                title: p.title.clone(),
                doc_number: p.doc_number.clone(),
                issuer: p.issuer.clone(),
                published_on: p.published_on.clone(),
                effective_on: p.effective_on.clone(),
                body: p.body.clone(),
                ..Default::default()
            };
            assert!(input.parse().is_ok(), "{}", p.title);
            if let Some(next) = &p.superseded_by {
                assert!(seen.contains(next), "{} names {next} before it", p.key);
            }
            assert!(seen.insert(p.key.clone()), "key {} twice", p.key);
        }
    }

    #[test]
    fn there_is_a_demo_login_for_every_role() {
        let logins = super::demo_logins().expect("logins");
        for role in crate::domain::role::Role::ALL {
            assert!(logins.iter().any(|l| l.role == *role), "{role:?}");
        }
    }
}
