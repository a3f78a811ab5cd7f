//! Importing enterprises from a spreadsheet (`.xlsx` or `.csv`, the downloadable template's
//! Chinese headers). Upload → every row validated (in the background for large files, with
//! progress) → the user sees each bad row with its number and reason → on confirmation the
//! valid rows are written in one transaction, created or updated by credit code, so importing
//! the same file again changes nothing. Nothing is written before the confirmation.

pub mod rows;
pub mod sheet;

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::Duration;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, sea_query::Expr,
};
use serde::Serialize;

use crate::db::begin_write;
use crate::domain::import::{ImportKind, ImportStatus};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::models::{enterprise, enterprise_risk_tag, import_batch, industry, region, risk_tag};
use crate::scope::{Caller, Scope};
use crate::services::audit::{self, Actor, Author, Outcome};
use crate::services::enterprises::{self, EnterpriseInput, Known, ValidEnterprise};
use crate::services::xlsx;
use crate::state::Core;
use rows::{COLUMNS, ReadyRow, Reference, RowError};

/// Files with more data rows than this are validated in the background, with progress.
pub const BACKGROUND_FROM: usize = 2_000;
/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 50_000;
/// Most columns a sheet may use; the template has `rows::COLUMNS.len()`, the rest is room
/// for a committee's own notes beside them.
pub const MAX_COLUMNS: usize = 64;
/// What the file's parts may inflate to: 50,000 filled rows of the template are about 40 MB
/// of sheet XML.
const MAX_UNZIPPED_BYTES: u64 = 256 * 1024 * 1024;

/// The bounds every uploaded sheet is read within.
pub const BOUNDS: sheet::Bounds = sheet::Bounds {
    rows: MAX_ROWS,
    columns: MAX_COLUMNS,
    unzipped_bytes: MAX_UNZIPPED_BYTES,
};

/// Reads the file on the blocking pool (parsing a sheet is CPU work that must not hold an
/// async worker), within `BOUNDS`. Too big is a 422 on `file`; unreadable or empty a 400.
async fn read_sheet(bytes: Vec<u8>) -> AppResult<sheet::Rows> {
    let read = tokio::task::spawn_blocking(move || sheet::read(&bytes, BOUNDS))
        .await
        .map_err(AppError::internal)?;
    match read {
        Ok(rows) => Ok(rows),
        Err(e @ sheet::SheetError::TooBig) => {
            let mut fields = FieldErrors::default();
            fields.add("file", e.message_key());
            Err(AppError::Validation(fields))
        }
        Err(e) => Err(AppError::BadRequest(e.message_key())),
    }
}
/// A batch still validating after this long was abandoned (its instance stopped).
const STALE_AFTER_MINUTES: i64 = 10;

fn may_import(caller: &Caller) -> AppResult<()> {
    match caller.scope {
        Scope::System | Scope::Region { .. } => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// The template: the headers and one example row (a registration the importer accepts, in the
/// words it reads: a scale of `scale_of`, tag names as the register names them).
pub fn template() -> AppResult<Vec<u8>> {
    let headers: Vec<&str> = COLUMNS.iter().map(|(_, h, _)| *h).collect();
    let example = vec![
        "91330381MA2H7K3P0H",
        "瑞安市韩田精工机械有限公司",
        "330381101201",
        "C3670",
        "浙江省瑞安市塘下镇韩田村工业区8号",
        "陈立新",
        "陈晓燕",
        "13957712345",
        "46",
        "小微",
        "粉尘涉爆、三合一场所",
    ]
    .into_iter()
    .map(str::to_string)
    .collect();
    xlsx::workbook(
        &xlsx::text("export.import_template.sheet"),
        &headers,
        &[example],
        &[],
    )
}

async fn reference(core: &Core) -> AppResult<Reference> {
    let mut r = Reference::default();
    let all_regions = region::Entity::find().all(&core.db).await?;
    let codes: HashMap<i64, String> = all_regions.iter().map(|g| (g.id, g.code.clone())).collect();
    r.regions = all_regions
        .into_iter()
        .map(|g| (g.code, (g.id, g.path)))
        .collect();
    r.industries = industry::Entity::find()
        .all(&core.db)
        .await?
        .into_iter()
        .map(|i| i.code)
        .collect();
    for t in risk_tag::Entity::find().all(&core.db).await? {
        r.tags.insert(t.name.clone(), t.code.clone());
        r.tags.insert(t.code.clone(), t.code);
    }
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    for t in enterprise_risk_tag::Entity::find().all(&core.db).await? {
        tags.entry(t.enterprise_id).or_default().push(t.tag_code);
    }
    for e in enterprise::Entity::find().all(&core.db).await? {
        let input = EnterpriseInput {
            credit_code: e.credit_code.clone(),
            name: e.name,
            region: codes.get(&e.region_id).cloned().unwrap_or_default(),
            industry: e.industry_code,
            address: e.address,
            legal_representative: e.legal_representative,
            safety_officer: e.safety_officer,
            safety_phone: e.safety_phone,
            employees: Some(e.employees.into()),
            scale: e.scale.as_str().into(),
            risk_tags: tags.remove(&e.id).unwrap_or_default(),
        };
        r.existing
            .insert(e.credit_code, (e.id, e.region_path, input));
    }
    Ok(r)
}

/// Receives a file: records the batch and validates it (now, or in the background for large
/// files). Returns the batch id.
pub async fn upload(core: &Core, actor: &Actor, file_name: &str, bytes: Vec<u8>) -> AppResult<i64> {
    let caller = &actor.caller;
    may_import(caller)?;
    let sheet = read_sheet(bytes).await?;
    let data_rows = sheet.len().saturating_sub(1);
    let now = core.now();
    let name: String = file_name.chars().take(255).collect();
    let txn = begin_write(&core.db).await?;
    let batch = import_batch::ActiveModel {
        kind: Set(ImportKind::Enterprises),
        file_name: Set(name.clone()),
        created_by: Set(caller.user_id),
        status: Set(ImportStatus::Validating),
        total_rows: Set(data_rows as i32),
        processed_rows: Set(0),
        valid_rows: Set(0),
        error_rows: Set(0),
        created_rows: Set(0),
        updated_rows: Set(0),
        unchanged_rows: Set(0),
        errors: Set("[]".into()),
        payload: Set("[]".into()),
        created_at: Set(now),
        updated_at: Set(now),
        committed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        now,
        &Author::of(actor),
        "import.upload",
        Some(("import", batch.id.to_string())),
        Outcome::Success,
        Some(format!("{name}: {data_rows} rows")),
    )
    .await?;
    txn.commit().await?;

    if data_rows >= BACKGROUND_FROM {
        let core = core.clone();
        let scope = caller.scope.clone();
        let id = batch.id;
        tokio::spawn(async move {
            if let Err(e) = validate(&core, id, &scope, sheet).await {
                tracing::error!(batch = id, error = %format!("{e:#?}"), "import validation failed");
                let _ = mark_failed(&core, id).await;
            }
        });
    } else {
        validate(core, batch.id, &caller.scope, sheet).await?;
    }
    Ok(batch.id)
}

async fn mark_failed(core: &Core, id: i64) -> AppResult<()> {
    import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::Status,
            Expr::value(ImportStatus::Failed),
        )
        .col_expr(import_batch::Column::UpdatedAt, Expr::value(core.now()))
        .filter(import_batch::Column::Id.eq(id))
        .exec(&core.db)
        .await?;
    Ok(())
}

/// Checks every row, recording progress, then stores the verdict.
async fn validate(core: &Core, id: i64, scope: &Scope, sheet: sheet::Rows) -> AppResult<()> {
    let (ready, problems) = match rows::map_headers(&sheet[0]) {
        Err(missing) => (
            Vec::new(),
            vec![RowError {
                row: 1,
                field: missing.into(),
                key: "import.missing_column".into(),
            }],
        ),
        Ok(columns) => {
            let reference = reference(core).await?;
            // Progress is written between chunks; the checks themselves are pure.
            let mut ready = Vec::new();
            let mut problems = Vec::new();
            let chunk = 1_000;
            let mut start = 1;
            while start < sheet.len() {
                let end = (start + chunk).min(sheet.len());
                let mut part = Vec::with_capacity(end - start + 1);
                part.push(sheet[0].clone());
                part.extend_from_slice(&sheet[start..end]);
                let (r, p) = rows::check_rows(&part, &columns, &reference, scope, |_| {});
                // Row numbers of the chunk are relative to its own header.
                let shift = (start - 1) as u32;
                ready.extend(r.into_iter().map(|mut x| {
                    x.row += shift;
                    x
                }));
                problems.extend(p.into_iter().map(|mut x| {
                    x.row += shift;
                    x
                }));
                import_batch::Entity::update_many()
                    .col_expr(
                        import_batch::Column::ProcessedRows,
                        Expr::value((end - 1) as i32),
                    )
                    .filter(import_batch::Column::Id.eq(id))
                    .exec(&core.db)
                    .await?;
                start = end;
                tokio::task::yield_now().await;
            }
            dedupe_across_chunks(&mut ready, &mut problems);
            (ready, problems)
        }
    };
    let error_rows = problems.iter().map(|p| p.row).collect::<HashSet<_>>().len();
    import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::Status,
            Expr::value(ImportStatus::Ready),
        )
        .col_expr(
            import_batch::Column::ProcessedRows,
            Expr::col(import_batch::Column::TotalRows),
        )
        .col_expr(
            import_batch::Column::ValidRows,
            Expr::value(ready.len() as i32),
        )
        .col_expr(
            import_batch::Column::ErrorRows,
            Expr::value(error_rows as i32),
        )
        .col_expr(
            import_batch::Column::Errors,
            Expr::value(serde_json::to_string(&problems).map_err(AppError::internal)?),
        )
        .col_expr(
            import_batch::Column::Payload,
            Expr::value(serde_json::to_string(&ready).map_err(AppError::internal)?),
        )
        .col_expr(import_batch::Column::UpdatedAt, Expr::value(core.now()))
        .filter(import_batch::Column::Id.eq(id))
        .exec(&core.db)
        .await?;
    Ok(())
}

/// Chunks are checked separately; a credit code repeated across chunks is caught here.
fn dedupe_across_chunks(ready: &mut Vec<ReadyRow>, problems: &mut Vec<RowError>) {
    let mut seen = HashSet::new();
    let mut dup_rows = Vec::new();
    ready.retain(|r| {
        if seen.insert(r.input.credit_code.clone()) {
            true
        } else {
            dup_rows.push(r.row);
            false
        }
    });
    problems.extend(dup_rows.into_iter().map(|row| RowError {
        row,
        field: "credit_code".into(),
        key: "import.duplicate_in_file".into(),
    }));
    problems.sort_by_key(|p| p.row);
}

/// A batch as its page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct BatchView {
    #[serde(flatten)]
    pub batch: import_batch::Model,
    pub errors: Vec<RowError>,
    /// The first ready rows, to show what will happen.
    pub preview: Vec<ReadyRow>,
    pub to_create: usize,
    pub to_update: usize,
    pub unchanged: usize,
    pub percent: u32,
}

async fn own_batch(core: &Core, caller: &Caller, id: i64) -> AppResult<import_batch::Model> {
    let b = import_batch::Entity::find_by_id(id)
        .filter(import_batch::Column::CreatedBy.eq(caller.user_id))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)?;
    if b.status == ImportStatus::Validating
        && core.now() - b.updated_at > Duration::minutes(STALE_AFTER_MINUTES)
    {
        mark_failed(core, b.id).await?;
        return Box::pin(own_batch(core, caller, id)).await;
    }
    Ok(b)
}

pub async fn view(core: &Core, caller: &Caller, id: i64) -> AppResult<BatchView> {
    let batch = own_batch(core, caller, id).await?;
    // Both are written by this module; one that does not read back is a fault, not an empty list.
    let errors: Vec<RowError> = serde_json::from_str(&batch.errors).map_err(AppError::internal)?;
    let ready: Vec<ReadyRow> = serde_json::from_str(&batch.payload).map_err(AppError::internal)?;
    let count = |a: &str| ready.iter().filter(|r| r.action == a).count();
    let percent = if batch.total_rows > 0 {
        (batch.processed_rows.max(0) as u32 * 100 / batch.total_rows as u32).min(100)
    } else {
        100
    };
    Ok(BatchView {
        to_create: count("create"),
        to_update: count("update"),
        unchanged: count("unchanged"),
        preview: ready.iter().take(20).cloned().collect(),
        errors,
        percent,
        batch,
    })
}

/// Progress of a batch: (status, processed, total).
pub async fn progress(
    core: &Core,
    caller: &Caller,
    id: i64,
) -> AppResult<(ImportStatus, i32, i32)> {
    let b = own_batch(core, caller, id).await?;
    Ok((b.status, b.processed_rows, b.total_rows))
}

/// The caller's recent batches.
pub async fn recent(core: &Core, caller: &Caller) -> AppResult<Vec<import_batch::Model>> {
    Ok(import_batch::Entity::find()
        .filter(import_batch::Column::CreatedBy.eq(caller.user_id))
        .order_by_desc(import_batch::Column::Id)
        .limit(10)
        .all(&core.db)
        .await?)
}

/// Writes the valid rows of a validated batch, all or nothing. A batch is written once: a
/// repeated confirmation is refused and changes nothing.
pub async fn commit(core: &Core, actor: &Actor, id: i64) -> AppResult<BatchView> {
    let caller = &actor.caller;
    may_import(caller)?;
    let batch = own_batch(core, caller, id).await?;
    match batch.status {
        ImportStatus::Ready => {}
        ImportStatus::Committed => return Err(AppError::Conflict("import.already_committed")),
        ImportStatus::Validating => return Err(AppError::Conflict("import.still_validating")),
        ImportStatus::Failed => return Err(AppError::Conflict("import.failed")),
    }
    let ready: Vec<ReadyRow> = serde_json::from_str(&batch.payload).map_err(AppError::internal)?;
    let now = core.now();
    let txn = begin_write(&core.db).await?;
    // Claim the batch first: of two confirmations racing, one wins.
    let claimed = import_batch::Entity::update_many()
        .col_expr(
            import_batch::Column::Status,
            Expr::value(ImportStatus::Committed),
        )
        .filter(import_batch::Column::Id.eq(id))
        .filter(import_batch::Column::Status.eq(ImportStatus::Ready))
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Conflict("import.already_committed"));
    }
    let catalogs = Catalogs {
        regions: region::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|r| (r.code, (r.id, r.path)))
            .collect(),
        industries: industry::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|i| i.code)
            .collect(),
        tags: risk_tag::Entity::find()
            .all(&txn)
            .await?
            .into_iter()
            .map(|t| t.code)
            .collect(),
    };
    let author = Author::of(actor);
    let (created, updated, unchanged) =
        write_rows(&txn, caller, &author, &ready, &catalogs, now).await?;
    import_batch::Entity::update_many()
        .col_expr(import_batch::Column::CreatedRows, Expr::value(created))
        .col_expr(import_batch::Column::UpdatedRows, Expr::value(updated))
        .col_expr(import_batch::Column::UnchangedRows, Expr::value(unchanged))
        .col_expr(import_batch::Column::CommittedAt, Expr::value(now))
        .col_expr(import_batch::Column::UpdatedAt, Expr::value(now))
        .filter(import_batch::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        now,
        &author,
        "import.commit",
        Some(("import", id.to_string())),
        Outcome::Success,
        Some(format!(
            "{}: {created} created, {updated} updated, {unchanged} unchanged",
            batch.file_name
        )),
    )
    .await?;
    txn.commit().await?;
    view(core, caller, id).await
}

/// Rows written per statement (well under SQLite's and PostgreSQL's parameter limits).
const CHUNK: usize = 500;

/// What the register holds when a batch is written: region code → (id, path), industry codes,
/// risk tag codes.
struct Catalogs {
    regions: HashMap<String, (i64, String)>,
    industries: HashSet<String>,
    tags: HashSet<String>,
}

impl Catalogs {
    /// A stored row checked again against the register as it is now; a row that no longer
    /// passes means the register changed since the batch was checked.
    fn valid(&self, input: &EnterpriseInput) -> AppResult<ValidEnterprise> {
        let known = Known {
            region: self.regions.get(&input.region).cloned(),
            industry: self.industries.contains(&input.industry),
            tag: Box::new(|t| self.tags.contains(t)),
        };
        input
            .parse(known, FieldErrors::default())
            .map_err(|_| AppError::Conflict("import.changed_since"))
    }
}

/// Writes the ready rows in bulk: existing codes looked up per chunk, new enterprises and all
/// risk tags inserted many rows per statement; updates row by row. Returns (created, updated,
/// unchanged).
async fn write_rows(
    txn: &DatabaseTransaction,
    caller: &Caller,
    author: &Author,
    ready: &[ReadyRow],
    catalogs: &Catalogs,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<(i32, i32, i32)> {
    let codes: Vec<String> = ready.iter().map(|r| r.input.credit_code.clone()).collect();
    let mut existing: HashMap<String, enterprise::Model> = HashMap::new();
    for chunk in codes.chunks(CHUNK) {
        for e in enterprise::Entity::find()
            .filter(enterprise::Column::CreditCode.is_in(chunk.iter().cloned()))
            .all(txn)
            .await?
        {
            existing.insert(e.credit_code.clone(), e);
        }
    }
    let (mut updated, mut unchanged) = (0, 0);
    let mut inserts = Vec::new();
    // (id, or None for a new enterprise; credit code; tags) of every row whose tags to write.
    let mut tag_sets: Vec<(Option<i64>, String, BTreeSet<String>)> = Vec::new();
    for r in ready {
        let valid = catalogs.valid(&r.input)?;
        match (r.action.as_str(), existing.get(&r.input.credit_code)) {
            ("unchanged", Some(_)) => unchanged += 1,
            (_, Some(e)) => {
                if !crate::scope::governs_region(&caller.scope, &e.region_path) {
                    return Err(AppError::Conflict("import.changed_since"));
                }
                let mut m: enterprise::ActiveModel = e.clone().into();
                enterprises::fill(&mut m, &valid);
                m.updated_at = Set(now);
                let moved = m.update(txn).await?;
                crate::services::relocation::follow_enterprise(txn, now, author, e, &moved).await?;
                tag_sets.push((Some(e.id), r.input.credit_code.clone(), valid.risk_tags));
                updated += 1;
            }
            (_, None) => {
                inserts.push(enterprises::new_row(&valid, now));
                tag_sets.push((None, r.input.credit_code.clone(), valid.risk_tags));
            }
        }
    }
    let created = inserts.len() as i32;
    for chunk in inserts.chunks(CHUNK) {
        enterprise::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    // The ids of the new rows, by code.
    let new_codes: Vec<String> = tag_sets
        .iter()
        .filter(|(id, _, _)| id.is_none())
        .map(|(_, code, _)| code.to_string())
        .collect();
    let mut new_ids: HashMap<String, i64> = HashMap::new();
    for chunk in new_codes.chunks(CHUNK) {
        let rows: Vec<(i64, String)> = enterprise::Entity::find()
            .select_only()
            .column(enterprise::Column::Id)
            .column(enterprise::Column::CreditCode)
            .filter(enterprise::Column::CreditCode.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(txn)
            .await?;
        new_ids.extend(rows.into_iter().map(|(id, code)| (code, id)));
    }
    let updated_ids: Vec<i64> = tag_sets.iter().filter_map(|(id, _, _)| *id).collect();
    for chunk in updated_ids.chunks(CHUNK) {
        enterprise_risk_tag::Entity::delete_many()
            .filter(enterprise_risk_tag::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .exec(txn)
            .await?;
    }
    let mut tag_rows = Vec::new();
    for (id, code, tags) in &tag_sets {
        let Some(id) = id.or_else(|| new_ids.get(code).copied()) else {
            return Err(AppError::internal(anyhow::anyhow!(
                "imported row {code} has no id"
            )));
        };
        tag_rows.extend(enterprises::tag_rows(id, tags));
    }
    for chunk in tag_rows.chunks(CHUNK) {
        enterprise_risk_tag::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    Ok((created, updated, unchanged))
}
