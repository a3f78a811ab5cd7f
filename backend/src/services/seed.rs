//! Loads the demo fixtures (the `seed` crate) through the registry and user services, in one
//! transaction: either all of it is there or none of it.

use chrono::NaiveDate;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::db::begin_write;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::user;
use crate::scope::Scope;
use crate::services::audit::{self, Author, Outcome};
use crate::services::checklists;
use crate::services::enterprises::{self, EnterpriseInput};
use crate::services::registry::{self, NewAlliance};
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
    for i in &data.industries {
        registry::create_industry(&txn, &i.code, &i.name, i.parent.as_deref()).await?;
    }
    for t in &data.risk_tags {
        registry::create_risk_tag(&txn, &t.code, &t.name).await?;
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
        let founded_on = NaiveDate::parse_from_str(&a.founded_on, "%Y-%m-%d")
            .map_err(|_| AppError::BadRequest("alliance.bad_date"))?;
        let alliance = registry::create_alliance(
            core,
            &txn,
            NewAlliance {
                name: a.name.clone(),
                kind: a.kind.clone(),
                region_code: a.region.clone(),
                lead_credit_code: Some(a.lead.clone()),
                founded_on,
                charter: a.charter.clone(),
            },
        )
        .await?;
        for m in &a.members {
            registry::add_approved_member(core, &txn, alliance.id, m).await?;
        }
        for g in &a.groups {
            registry::create_group(core, &txn, alliance.id, &g.name, &g.leader, &g.members).await?;
        }
    }
    let mut expert_ids = std::collections::HashMap::new();
    for x in &data.experts {
        let e = registry::create_expert(
            &txn,
            &x.name,
            &x.organisation,
            &x.region,
            &x.specialties,
            &x.phone,
        )
        .await?;
        expert_ids.insert(x.key.clone(), e.id);
    }
    let actor = Author::system();
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
                .map(|i| checklists::ItemInput {
                    category: i.category.clone(),
                    requirement: i.requirement.clone(),
                    legal_basis: i.legal_basis.clone(),
                })
                .collect(),
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
    fn there_is_a_demo_login_for_every_role() {
        let logins = super::demo_logins().expect("logins");
        for role in crate::domain::role::Role::ALL {
            assert!(logins.iter().any(|l| l.role == *role), "{role:?}");
        }
    }
}
