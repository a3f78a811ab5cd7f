//! Demo service requests in different states (rated, scheduled, submitted, rejected), made
//! through the same services as the pages and the API by the demo accounts. Loaded after the
//! demo fixtures (`services::seed`) when the demo is loaded, not into the test template.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::error::{AppError, AppResult};
use crate::models::{enterprise, expert, user};
use crate::scope::Caller;
use crate::services::audit::Actor;
use crate::state::Core;

use super::{AcceptInput, AssignInput, NewRequest, RateInput, ReasonInput, ReportInput, write};

async fn actor(core: &Core, username: &str) -> AppResult<Actor> {
    let u = user::Entity::find()
        .filter(user::Column::Username.eq(username))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    let scope = crate::services::auth::scope_of(core, &u).await?;
    Ok(Actor {
        caller: Caller {
            user_id: u.id,
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role,
            scope,
            session_id: String::new(),
        },
        ip: None,
        request_id: None,
        sent_key: None,
    })
}

fn request(core: &Core, topic: &str, specialty: &str, description: &str) -> NewRequest {
    let today = core.today();
    NewRequest {
        enterprise_id: None,
        topic: topic.into(),
        specialty: specialty.into(),
        description: description.into(),
        preferred_from: (today + chrono::Duration::days(5)).to_string(),
        preferred_to: (today + chrono::Duration::days(30)).to_string(),
    }
}

/// Files the demo requests and takes them through their steps.
pub async fn load(core: &Core) -> AppResult<()> {
    let (qiye1, qiye2, qpw, yjj, zhuanjia) = (
        actor(core, "qiye1").await?,
        actor(core, "qiye2").await?,
        actor(core, "qpw").await?,
        actor(core, "yjj").await?,
        actor(core, "zhuanjia").await?,
    );
    let chen = expert::Entity::find()
        .filter(expert::Column::Name.eq("陈志强"))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?
        .id;
    let assign = AssignInput {
        expert_ids: vec![chen],
        confirm_conflict: false,
    };
    let visit_on = (core.today() + chrono::Duration::days(7)).to_string();
    // The visit's checklist: the first bureau checklist offered for the request's enterprise.
    let visit = |checklists: Vec<crate::services::checklists::VersionChoice>| AcceptInput {
        visit_on: visit_on.clone(),
        template_version_id: checklists.first().map(|c| c.version_id),
    };

    let rated = write::create(
        core,
        &qiye1,
        &request(
            core,
            "抛光车间粉尘涉爆专项体检",
            "dust",
            "抛光打磨工位除尘系统改造后，请专家检查风管积尘、泄爆装置和清扫制度。",
        ),
    )
    .await?;
    write::assign(core, &yjj, rated.id, &assign).await?;
    let offered = super::queries::visit_checklists(core, &zhuanjia.caller, rated.id).await?;
    write::accept(core, &zhuanjia, rated.id, &visit(offered)).await?;
    let report = ReportInput {
        report: "现场检查抛光车间除尘系统：风管积尘约 2 毫米，建议每班清扫并记录；泄爆片完好；湿式除尘器水位报警正常。".into(),
    };
    write::report(core, &zhuanjia, rated.id, &report).await?;
    write::complete(core, &qiye1, rated.id).await?;
    let rate = RateInput {
        rating: Some("5".into()),
        comment: "专家讲解细致，整改建议可操作。".into(),
    };
    write::rate(core, &qiye1, rated.id, &rate).await?;

    let ruihan = enterprise::Entity::find()
        .filter(enterprise::Column::CreditCode.eq("91330381MA22WWTGXK"))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?
        .id;
    let mut for_member = request(
        core,
        "冲压设备与叉车安全检查",
        "special_equipment",
        "冲压车间新增两台冲床，叉车三台，请专家检查安全防护和操作规程。",
    );
    for_member.enterprise_id = Some(ruihan.to_string());
    let scheduled = write::create(core, &qpw, &for_member).await?;
    write::assign(core, &yjj, scheduled.id, &assign).await?;
    let offered = super::queries::visit_checklists(core, &zhuanjia.caller, scheduled.id).await?;
    write::accept(core, &zhuanjia, scheduled.id, &visit(offered)).await?;

    write::create(
        core,
        &qiye1,
        &request(
            core,
            "配电房电气线路检查",
            "electrical",
            "配电房线路老化，请专家评估改造方案。",
        ),
    )
    .await?;

    let rejected = write::create(
        core,
        &qiye2,
        &request(core, "仓库消防设施评估", "fire", "成品仓库消防设施评估。"),
    )
    .await?;
    let reason = ReasonInput {
        reason: "请先完成企业消防自查并上传自查报告后再申请。".into(),
    };
    write::reject(core, &yjj, rejected.id, &reason).await?;
    Ok(())
}
