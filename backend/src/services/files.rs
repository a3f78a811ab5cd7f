//! Uploaded files (photos of hazards and checklist items, PDFs): checking what arrived,
//! making the copies users see, writing the blobs, the attachment row, and handing the bytes
//! back to those who may see them.
//!
//! - `prepare` (CPU work, run it through `prepare_async`) refuses what is not a JPEG, PNG,
//!   WebP or PDF by its magic bytes, what is empty or too big, and file names that look like
//!   paths. For an image it reads the EXIF time and GPS position from the original (evidence),
//!   and makes a public copy (JPEG, upright, ≤ 2560 px, no EXIF) and a thumbnail (≤ 320 px).
//!   Width × height are read from the header first: an image declaring more than
//!   `storage.max_megapixels` is refused before anything is decoded (image bombs).
//! - `prepare_async` runs it on the blocking pool, at most `storage.decode_concurrency` at once
//!   (`Core::decode_permits`), so a burst of photos queues instead of taking every thread.
//! - `store` writes the blobs under fresh random keys; the caller inserts the row (`record`)
//!   only after that, inside its transaction, and calls `discard` when the transaction fails:
//!   no row without its blob, and no blob left behind.
//! - `fetch`: the row through `scope::attachments` (404 outside), then the bytes. The original
//!   (with EXIF: where and when the photo was taken) is for the admin, the bureau, the
//!   committee and the uploader's enterprise only; the inspected enterprise sees the copy.

use std::io::Cursor;

use chrono::{DateTime, Utc};
use image::{DynamicImage, ImageFormat, ImageReader, imageops::FilterType, metadata::Orientation};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};
use sha2::{Digest, Sha256};

use crate::config::StorageSettings;
use crate::domain::role::Role;
use crate::error::{AppError, AppResult};
use crate::models::{attachment, user};
use crate::scope::{self, Caller, Scope};
use crate::state::Core;
use crate::storage::{Storage, new_key};

/// Longest side of the public copy, pixels.
pub const PUBLIC_MAX_SIDE: u32 = 2560;
/// Longest side of the thumbnail, pixels.
pub const THUMB_MAX_SIDE: u32 = 320;
/// JPEG quality of the copies.
const JPEG_QUALITY: u8 = 85;
/// Longest kept display name, characters.
const NAME_MAX: usize = 255;

/// A file part of an upload as the web layer read it (pages and API alike), unchecked:
/// `prepare` checks its name, type, size and pixels.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The form field it came in (`photo_12`, `hazard_0_photos` …).
    pub field: String,
    /// The name the browser gave it.
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// How big a file may be.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_file_bytes: usize,
    /// Most pixels (width × height) an image may declare.
    pub max_pixels: u64,
}

impl Limits {
    pub fn from_settings(s: &StorageSettings) -> Limits {
        Limits {
            max_file_bytes: s.max_file_bytes(),
            max_pixels: s.max_pixels(),
        }
    }
}

/// The `{…}` slots of the `[files]` messages that name a configured limit:
/// `{max_megapixels}` (40) and `{max_wan_pixels}` (4000, for "4000 万像素").
pub fn message_slots(s: &StorageSettings) -> [(&'static str, String); 2] {
    [
        ("max_megapixels", s.max_megapixels.to_string()),
        (
            "max_wan_pixels",
            u64::from(s.max_megapixels).saturating_mul(100).to_string(),
        ),
    ]
}

/// Why a file was not accepted: a catalog key of section `[files]`, for the form field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal(pub &'static str);

impl Refusal {
    pub fn key(self) -> &'static str {
        self.0
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::BadRequest(r.0)
    }
}

/// The kinds of file accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    WebP,
    Pdf,
}

impl Kind {
    pub fn content_type(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::WebP => "image/webp",
            Kind::Pdf => "application/pdf",
        }
    }

    fn image_format(self) -> Option<ImageFormat> {
        match self {
            Kind::Jpeg => Some(ImageFormat::Jpeg),
            Kind::Png => Some(ImageFormat::Png),
            Kind::WebP => Some(ImageFormat::WebP),
            Kind::Pdf => None,
        }
    }
}

/// Where and when a photo was taken, from the original's EXIF.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Evidence {
    /// EXIF DateTimeOriginal as `YYYY-MM-DDTHH:MM:SS` (camera local time, no zone).
    pub taken_at: Option<String>,
    /// Decimal degrees, south negative.
    pub latitude: Option<f64>,
    /// Decimal degrees, west negative.
    pub longitude: Option<f64>,
}

/// The copies made of an image.
#[derive(Debug, Clone)]
pub struct ImageCopies {
    pub width: u32,
    pub height: u32,
    /// Re-encoded JPEG, upright, longest side ≤ 2560, no metadata.
    pub public: Vec<u8>,
    /// JPEG, longest side ≤ 320.
    pub thumb: Vec<u8>,
}

/// A checked file, ready to be stored.
#[derive(Debug, Clone)]
pub struct PreparedFile {
    /// The uploaded name, cleaned: display text only, never a path.
    pub display_name: String,
    pub kind: Kind,
    pub original: Vec<u8>,
    /// Hex SHA-256 of the original.
    pub sha256: String,
    pub evidence: Evidence,
    /// None for a PDF.
    pub image: Option<ImageCopies>,
}

/// A file whose blobs are written; what `record` turns into a row.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub storage_key: String,
    pub public_key: Option<String>,
    pub thumb_key: Option<String>,
    pub display_name: String,
    pub content_type: &'static str,
    pub size_bytes: i64,
    pub sha256: String,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub evidence: Evidence,
}

impl StoredFile {
    fn keys(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.storage_key.as_str())
            .chain(self.public_key.as_deref())
            .chain(self.thumb_key.as_deref())
    }
}

/// What a file is attached to (the inspected enterprise and its region path give its scope).
#[derive(Debug, Clone, Default)]
pub struct Links {
    pub enterprise_id: i64,
    pub region_path: String,
    pub inspection_id: Option<i64>,
    pub answer_id: Option<i64>,
    pub hazard_id: Option<i64>,
}

/// The display name of an upload, or a refusal for names that look like paths.
pub fn clean_name(name: &str) -> Result<String, Refusal> {
    let name = name.trim();
    if name.is_empty()
        || name.contains('/')
        || name.contains('\\')
        || name.contains("..")
        || name.chars().any(char::is_control)
    {
        return Err(Refusal("files.bad_name"));
    }
    Ok(name.chars().take(NAME_MAX).collect())
}

/// What the magic bytes say the file is.
fn detect(bytes: &[u8]) -> Result<Kind, Refusal> {
    match infer::get(bytes).map(|t| t.mime_type()) {
        Some("image/jpeg") => Ok(Kind::Jpeg),
        Some("image/png") => Ok(Kind::Png),
        Some("image/webp") => Ok(Kind::WebP),
        Some("application/pdf") => Ok(Kind::Pdf),
        Some("image/heif" | "image/heic" | "image/avif") => Err(Refusal("files.heic")),
        _ => Err(Refusal("files.bad_type")),
    }
}

/// Checks one upload and makes its copies. CPU-bound: call `prepare_async` from async code.
pub fn prepare(file_name: &str, bytes: Vec<u8>, limits: Limits) -> Result<PreparedFile, Refusal> {
    let display_name = clean_name(file_name)?;
    if bytes.is_empty() {
        return Err(Refusal("files.empty"));
    }
    if bytes.len() > limits.max_file_bytes {
        return Err(Refusal("files.too_large"));
    }
    let kind = detect(&bytes)?;
    let sha256 = sha256_hex(&bytes);
    let (evidence, image) = match kind.image_format() {
        None => (Evidence::default(), None),
        Some(format) => {
            let exif = read_exif(&bytes);
            let evidence = exif.as_ref().map(evidence_of).unwrap_or_default();
            let orientation = exif.as_ref().and_then(orientation_of);
            (
                evidence,
                Some(copies(&bytes, format, orientation, limits.max_pixels)?),
            )
        }
    };
    Ok(PreparedFile {
        display_name,
        kind,
        original: bytes,
        sha256,
        evidence,
        image,
    })
}

/// `prepare` on the blocking pool with the configured limits, once one of the
/// `storage.decode_concurrency` permits is free (the permit goes with the task, so a client
/// that gives up does not free it before the decoding ends). The outer error is a crashed task
/// (500), the inner one a refusal to show next to the form field.
pub async fn prepare_async(
    core: &Core,
    file_name: String,
    bytes: Vec<u8>,
) -> AppResult<Result<PreparedFile, Refusal>> {
    let limits = Limits::from_settings(&core.settings.storage);
    let permit = core
        .decode_permits
        .clone()
        .acquire_owned()
        .await
        .map_err(AppError::internal)?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        prepare(&file_name, bytes, limits)
    })
    .await
    .map_err(AppError::internal)
}

/// Width and height as the image's header declares them, read without decoding; refused
/// when their product exceeds `max_pixels`.
pub fn declared_size(
    bytes: &[u8],
    format: ImageFormat,
    max_pixels: u64,
) -> Result<(u32, u32), Refusal> {
    let (width, height) = ImageReader::with_format(Cursor::new(bytes), format)
        .into_dimensions()
        .map_err(|_| Refusal("files.undecodable"))?;
    if u64::from(width) * u64::from(height) > max_pixels {
        return Err(Refusal("files.too_many_pixels"));
    }
    Ok((width, height))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    crate::auth::csrf::hex(&Sha256::digest(bytes))
}

fn read_exif(bytes: &[u8]) -> Option<exif::Exif> {
    exif::Reader::new()
        .read_from_container(&mut Cursor::new(bytes))
        .ok()
}

fn evidence_of(exif: &exif::Exif) -> Evidence {
    use exif::{In, Tag, Value};
    let taken_at = exif
        .get_field(Tag::DateTimeOriginal, In::PRIMARY)
        .and_then(|f| match &f.value {
            Value::Ascii(v) => v.first().and_then(|s| exif::DateTime::from_ascii(s).ok()),
            _ => None,
        })
        .map(|d| {
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                d.year, d.month, d.day, d.hour, d.minute, d.second
            )
        });
    let coordinate = |value: Tag, reference: Tag, negative: u8| -> Option<f64> {
        let v = exif.get_field(value, In::PRIMARY)?;
        let Value::Rational(parts) = &v.value else {
            return None;
        };
        let [d, m, s] = parts.get(0..3)? else {
            return None;
        };
        let deg = d.to_f64() + m.to_f64() / 60.0 + s.to_f64() / 3600.0;
        let sign = match &exif.get_field(reference, In::PRIMARY)?.value {
            Value::Ascii(r) if r.first().and_then(|s| s.first()) == Some(&negative) => -1.0,
            Value::Ascii(_) => 1.0,
            _ => return None,
        };
        Some(sign * deg).filter(|x| x.is_finite())
    };
    Evidence {
        taken_at,
        latitude: coordinate(Tag::GPSLatitude, Tag::GPSLatitudeRef, b'S')
            .filter(|x| x.abs() <= 90.0),
        longitude: coordinate(Tag::GPSLongitude, Tag::GPSLongitudeRef, b'W')
            .filter(|x| x.abs() <= 180.0),
    }
}

fn orientation_of(exif: &exif::Exif) -> Option<Orientation> {
    let f = exif.get_field(exif::Tag::Orientation, exif::In::PRIMARY)?;
    let v = u8::try_from(f.value.get_uint(0)?).ok()?;
    Orientation::from_exif(v)
}

/// Checks the declared size, then decodes the image (with limits against decompression bombs
/// as a second line) and makes the public copy and the thumbnail. Re-encoding drops every
/// metadata segment of the original.
fn copies(
    bytes: &[u8],
    format: ImageFormat,
    orientation: Option<Orientation>,
    max_pixels: u64,
) -> Result<ImageCopies, Refusal> {
    declared_size(bytes, format, max_pixels)?;
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(384 * 1024 * 1024);
    reader.limits(limits);
    let mut img = reader.decode().map_err(|_| Refusal("files.undecodable"))?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    let (width, height) = (img.width(), img.height());
    if width == 0 || height == 0 {
        return Err(Refusal("files.undecodable"));
    }
    let public = if width.max(height) > PUBLIC_MAX_SIDE {
        img.resize(PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE, FilterType::Triangle)
    } else {
        img
    };
    let thumb = public.thumbnail(THUMB_MAX_SIDE, THUMB_MAX_SIDE);
    Ok(ImageCopies {
        width,
        height,
        public: jpeg(&public)?,
        thumb: jpeg(&thumb)?,
    })
}

fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, Refusal> {
    let rgb = img.to_rgb8();
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode(
            rgb.as_raw(),
            rgb.width(),
            rgb.height(),
            image::ExtendedColorType::Rgb8,
        )
        .map_err(|_| Refusal("files.undecodable"))?;
    Ok(out)
}

/// Writes the original and its copies under fresh random keys. On failure nothing is left.
pub async fn store(storage: &dyn Storage, prepared: PreparedFile) -> AppResult<StoredFile> {
    let (public, thumb, width, height) = match prepared.image {
        Some(c) => (
            Some(c.public),
            Some(c.thumb),
            i32::try_from(c.width).ok(),
            i32::try_from(c.height).ok(),
        ),
        None => (None, None, None, None),
    };
    let stored = StoredFile {
        storage_key: new_key(),
        public_key: public.as_ref().map(|_| new_key()),
        thumb_key: thumb.as_ref().map(|_| new_key()),
        display_name: prepared.display_name,
        content_type: prepared.kind.content_type(),
        size_bytes: i64::try_from(prepared.original.len()).unwrap_or(i64::MAX),
        sha256: prepared.sha256,
        width,
        height,
        evidence: prepared.evidence,
    };
    let mut blobs = vec![(stored.storage_key.clone(), prepared.original)];
    if let (Some(k), Some(b)) = (&stored.public_key, public) {
        blobs.push((k.clone(), b));
    }
    if let (Some(k), Some(b)) = (&stored.thumb_key, thumb) {
        blobs.push((k.clone(), b));
    }
    for (key, bytes) in blobs {
        if let Err(e) = storage.put(&key, bytes).await {
            discard(storage, std::slice::from_ref(&stored)).await;
            return Err(e.into());
        }
    }
    Ok(stored)
}

/// `store` for several files: all written, or none left behind.
pub async fn store_all(
    storage: &dyn Storage,
    prepared: Vec<PreparedFile>,
) -> AppResult<Vec<StoredFile>> {
    let mut done = Vec::with_capacity(prepared.len());
    for p in prepared {
        match store(storage, p).await {
            Ok(s) => done.push(s),
            Err(e) => {
                discard(storage, &done).await;
                return Err(e);
            }
        }
    }
    Ok(done)
}

/// Deletes the blobs of files whose rows were not committed. Best effort: a failure is logged.
pub async fn discard(storage: &dyn Storage, files: &[StoredFile]) {
    for key in files.iter().flat_map(StoredFile::keys) {
        if let Err(e) = storage.delete(key).await {
            tracing::warn!(error = %e, key, "could not delete an orphaned upload");
        }
    }
}

/// The attachment row for a stored file (insert it in the caller's transaction).
pub fn record(
    stored: &StoredFile,
    links: &Links,
    uploaded_by: i64,
    now: DateTime<Utc>,
) -> attachment::ActiveModel {
    attachment::ActiveModel {
        storage_key: Set(stored.storage_key.clone()),
        public_key: Set(stored.public_key.clone()),
        thumb_key: Set(stored.thumb_key.clone()),
        original_name: Set(stored.display_name.clone()),
        content_type: Set(stored.content_type.to_string()),
        size_bytes: Set(stored.size_bytes),
        sha256: Set(stored.sha256.clone()),
        width: Set(stored.width),
        height: Set(stored.height),
        exif_taken_at: Set(stored.evidence.taken_at.clone()),
        exif_latitude: Set(stored.evidence.latitude),
        exif_longitude: Set(stored.evidence.longitude),
        enterprise_id: Set(links.enterprise_id),
        region_path: Set(links.region_path.clone()),
        inspection_id: Set(links.inspection_id),
        answer_id: Set(links.answer_id),
        hazard_id: Set(links.hazard_id),
        uploaded_by: Set(Some(uploaded_by)),
        created_at: Set(now),
        ..Default::default()
    }
}

/// Which bytes of an attachment are asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The copy everyone in scope sees (for a PDF: the PDF).
    Public,
    /// The list thumbnail (images only).
    Thumb,
    /// The file as uploaded, with its EXIF: evidence, for the few who may see it.
    Original,
}

/// Bytes to send, with what the response needs to describe them.
#[derive(Debug, Clone)]
pub struct FileContent {
    pub bytes: Vec<u8>,
    pub content_type: String,
    /// A name for the download (display text; the web layer makes it header-safe).
    pub file_name: String,
    /// Shown in the browser (images) rather than downloaded (PDF).
    pub inline: bool,
}

/// An attachment the caller may see, or 404.
pub async fn get(core: &Core, scope: &Scope, id: i64) -> AppResult<attachment::Model> {
    attachment::Entity::find_by_id(id)
        .filter(scope::attachments(scope))
        .one(&core.db)
        .await?
        .ok_or(AppError::NotFound)
}

/// Whether the caller may see the original (and so the EXIF evidence) of an attachment it can
/// already see: the admin, the bureau, the committee for its own alliance's inspections
/// (`scope::committee_originals`), and the enterprise that uploaded it.
pub async fn may_see_original(
    db: &impl ConnectionTrait,
    caller: &Caller,
    file: &attachment::Model,
) -> AppResult<bool> {
    match caller.role {
        Role::Admin | Role::Regulator => Ok(true),
        Role::Committee => {
            let Scope::Alliance { alliance_id, .. } = caller.scope else {
                return Ok(false);
            };
            Ok(attachment::Entity::find_by_id(file.id)
                .filter(scope::committee_originals(alliance_id))
                .one(db)
                .await?
                .is_some())
        }
        // An expert: the files it uploaded itself on its visits.
        Role::Expert => Ok(file.uploaded_by == Some(caller.user_id)),
        Role::EnterpriseAdmin | Role::EnterpriseStaff => {
            let Scope::Enterprise { enterprise_id, .. } = caller.scope else {
                return Ok(false);
            };
            let Some(uploader) = file.uploaded_by else {
                return Ok(false);
            };
            let uploader_enterprise: Option<Option<i64>> = user::Entity::find_by_id(uploader)
                .select_only()
                .column(user::Column::EnterpriseId)
                .into_tuple()
                .one(db)
                .await?;
            Ok(uploader_enterprise.flatten() == Some(enterprise_id))
        }
    }
}

/// The EXIF evidence of a file for the hazard page: `None` when the caller may not see it
/// (same rule as the original), otherwise what was found (possibly nothing).
pub async fn evidence(
    db: &impl ConnectionTrait,
    caller: &Caller,
    file: &attachment::Model,
) -> AppResult<Option<Evidence>> {
    Ok(may_see_original(db, caller, file).await?.then(|| Evidence {
        taken_at: file.exif_taken_at.clone(),
        latitude: file.exif_latitude,
        longitude: file.exif_longitude,
    }))
}

/// The bytes of one variant of an attachment, for a caller who may see it; otherwise 404.
pub async fn fetch(
    core: &Core,
    caller: &Caller,
    id: i64,
    variant: Variant,
) -> AppResult<FileContent> {
    let file = get(core, &caller.scope, id).await?;
    let is_image = file.content_type.starts_with("image/");
    let (key, content_type, file_name) = match variant {
        Variant::Original => {
            if !may_see_original(&core.db, caller, &file).await? {
                return Err(AppError::NotFound);
            }
            (
                file.storage_key.clone(),
                file.content_type.clone(),
                file.original_name.clone(),
            )
        }
        Variant::Public => match &file.public_key {
            Some(k) => (
                k.clone(),
                "image/jpeg".to_string(),
                jpg_name(&file.original_name, ""),
            ),
            None if !is_image => (
                file.storage_key.clone(),
                file.content_type.clone(),
                file.original_name.clone(),
            ),
            None => return Err(AppError::NotFound),
        },
        Variant::Thumb => match &file.thumb_key {
            Some(k) => (
                k.clone(),
                "image/jpeg".to_string(),
                jpg_name(&file.original_name, "-thumb"),
            ),
            None => return Err(AppError::NotFound),
        },
    };
    let bytes = core.storage.get(&key).await?;
    Ok(FileContent {
        inline: content_type.starts_with("image/"),
        bytes,
        content_type,
        file_name,
    })
}

/// `现场.png` → `现场{suffix}.jpg`: the copies are JPEG whatever the original was.
fn jpg_name(name: &str, suffix: &str) -> String {
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) if !stem.is_empty() => stem,
        _ => name,
    };
    format!("{stem}{suffix}.jpg")
}

/// Other hazards the scope can see that carry a file with the same SHA-256 (the same photo
/// reused on another hazard), lowest id first.
pub async fn reused_elsewhere(
    db: &impl ConnectionTrait,
    scope: &Scope,
    sha256: &str,
    exclude_hazard_id: i64,
) -> AppResult<Vec<i64>> {
    use attachment::Column as A;
    let mut ids: Vec<Option<i64>> = attachment::Entity::find()
        .select_only()
        .column(A::HazardId)
        .distinct()
        .filter(A::Sha256.eq(sha256))
        .filter(A::HazardId.is_not_null())
        .filter(A::HazardId.ne(exclude_hazard_id))
        .filter(scope::attachments(scope))
        .into_tuple()
        .all(db)
        .await?;
    ids.sort_unstable();
    Ok(ids.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_file_bytes: 10 * 1024 * 1024,
        max_pixels: 40_000_000,
    };

    fn encoded(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).expect("encode");
        out.into_inner()
    }

    fn gradient(w: u32, h: u32) -> DynamicImage {
        DynamicImage::ImageRgb8(image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 5) as u8, 128])
        }))
    }

    /// A JPEG carrying EXIF: taken 2026-11-20 09:30:00 at 27.78°N 120.65°E, orientation 6
    /// (the camera was turned: the stored pixels need a 90° turn clockwise).
    fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
        use exif::{Field, In, Rational, Tag, Value};
        let jpeg = encoded(&gradient(w, h), ImageFormat::Jpeg);
        let dms = |d: u32, m: u32, s100: u32| {
            Value::Rational(vec![
                Rational { num: d, denom: 1 },
                Rational { num: m, denom: 1 },
                Rational {
                    num: s100,
                    denom: 100,
                },
            ])
        };
        let fields = [
            Field {
                tag: Tag::DateTimeOriginal,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"2026:11:20 09:30:00".to_vec()]),
            },
            Field {
                tag: Tag::Orientation,
                ifd_num: In::PRIMARY,
                value: Value::Short(vec![6]),
            },
            Field {
                tag: Tag::GPSLatitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"N".to_vec()]),
            },
            Field {
                tag: Tag::GPSLatitude,
                ifd_num: In::PRIMARY,
                value: dms(27, 46, 4800),
            },
            Field {
                tag: Tag::GPSLongitudeRef,
                ifd_num: In::PRIMARY,
                value: Value::Ascii(vec![b"E".to_vec()]),
            },
            Field {
                tag: Tag::GPSLongitude,
                ifd_num: In::PRIMARY,
                value: dms(120, 39, 0),
            },
        ];
        let mut writer = exif::experimental::Writer::new();
        for f in &fields {
            writer.push_field(f);
        }
        let mut tiff = Cursor::new(Vec::new());
        writer.write(&mut tiff, false).expect("exif");
        let tiff = tiff.into_inner();
        let len = u16::try_from(2 + 6 + tiff.len()).expect("small");
        let mut out = jpeg[..2].to_vec();
        out.extend_from_slice(&[0xFF, 0xE1]);
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(b"Exif\0\0");
        out.extend_from_slice(&tiff);
        out.extend_from_slice(&jpeg[2..]);
        out
    }

    fn has_exif(bytes: &[u8]) -> bool {
        read_exif(bytes).is_some() || bytes.windows(6).any(|w| w == b"Exif\0\0")
    }

    #[test]
    fn a_phone_photo_keeps_its_time_and_place_as_evidence_but_its_copies_carry_none() {
        let original = jpeg_with_exif(40, 20);
        assert!(has_exif(&original), "the fixture really carries EXIF");
        let p = prepare("现场照片.jpg", original.clone(), LIMITS).expect("accepted");
        assert_eq!(p.kind, Kind::Jpeg);
        assert_eq!(p.evidence.taken_at.as_deref(), Some("2026-11-20T09:30:00"));
        let lat = p.evidence.latitude.expect("latitude");
        let lon = p.evidence.longitude.expect("longitude");
        assert!(
            (lat - (27.0 + 46.0 / 60.0 + 48.0 / 3600.0)).abs() < 1e-6,
            "{lat}"
        );
        assert!((lon - (120.0 + 39.0 / 60.0)).abs() < 1e-6, "{lon}");
        assert_eq!(p.original, original, "the original is kept as uploaded");
        let copies = p.image.expect("copies");
        for copy in [&copies.public, &copies.thumb] {
            assert_eq!(infer::get(copy).map(|t| t.mime_type()), Some("image/jpeg"));
            assert!(!has_exif(copy), "a copy must not carry EXIF/GPS");
        }
    }

    #[test]
    fn a_turned_phone_photo_stands_upright_in_its_copy() {
        let p = prepare("a.jpg", jpeg_with_exif(40, 20), LIMITS).expect("accepted");
        let copies = p.image.expect("copies");
        assert_eq!((copies.width, copies.height), (20, 40));
        let public = image::load_from_memory(&copies.public).expect("decodes");
        assert_eq!((public.width(), public.height()), (20, 40));
    }

    #[test]
    fn big_photos_are_scaled_down_and_thumbnails_are_small() {
        let big = encoded(&gradient(3000, 1500), ImageFormat::Png);
        let copies = prepare("big.png", big, LIMITS)
            .expect("ok")
            .image
            .expect("copies");
        assert_eq!((copies.width, copies.height), (3000, 1500));
        let public = image::load_from_memory(&copies.public).expect("decodes");
        assert_eq!((public.width(), public.height()), (2560, 1280));
        let thumb = image::load_from_memory(&copies.thumb).expect("decodes");
        assert_eq!(thumb.width().max(thumb.height()), 320);
    }

    #[test]
    fn the_checksum_is_the_sha256_of_the_original_and_stable() {
        let bytes = encoded(&gradient(8, 8), ImageFormat::Png);
        let a = prepare("a.png", bytes.clone(), LIMITS).expect("ok");
        let b = prepare("b.png", bytes, LIMITS).expect("ok");
        assert_eq!(a.sha256, b.sha256);
        assert_eq!(a.sha256.len(), 64);
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn png_and_webp_are_accepted_as_images() {
        for (name, format, kind) in [
            ("a.png", ImageFormat::Png, Kind::Png),
            ("a.webp", ImageFormat::WebP, Kind::WebP),
        ] {
            let p = prepare(name, encoded(&gradient(16, 12), format), LIMITS).expect(name);
            assert_eq!(p.kind, kind);
            assert_eq!(p.evidence, Evidence::default());
            let c = p.image.expect("copies");
            assert_eq!((c.width, c.height), (16, 12));
        }
    }

    #[test]
    fn a_pdf_is_accepted_without_copies() {
        let pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n".to_vec();
        let p = prepare("整改报告.pdf", pdf.clone(), LIMITS).expect("accepted");
        assert_eq!(p.kind, Kind::Pdf);
        assert!(p.image.is_none());
        assert_eq!(p.sha256, sha256_hex(&pdf));
    }

    #[test]
    fn the_content_decides_the_type_not_the_name() {
        let html = b"<html><script>alert(1)</script></html>".to_vec();
        assert_eq!(
            prepare("photo.jpg", html, LIMITS).err(),
            Some(Refusal("files.bad_type"))
        );
        let zip = b"PK\x03\x04\x14\x00\x00\x00\x08\x00aaaaaaaaaaaaaaaaaaaaaaaa".to_vec();
        assert_eq!(
            prepare("photo.png", zip, LIMITS).err(),
            Some(Refusal("files.bad_type"))
        );
        // A PNG named .jpg is still a PNG.
        let png = encoded(&gradient(4, 4), ImageFormat::Png);
        assert_eq!(
            prepare("photo.jpg", png, LIMITS).map(|p| p.kind).ok(),
            Some(Kind::Png)
        );
    }

    #[test]
    fn heic_photos_are_refused_with_advice() {
        let mut heic = vec![0, 0, 0, 0x18];
        heic.extend_from_slice(b"ftypheic\0\0\0\0mif1heic");
        heic.extend_from_slice(&[0; 32]);
        assert_eq!(
            prepare("IMG_0001.HEIC", heic, LIMITS).err(),
            Some(Refusal("files.heic"))
        );
    }

    #[test]
    fn an_image_that_does_not_decode_is_refused() {
        let mut broken = encoded(&gradient(64, 64), ImageFormat::Png);
        broken.truncate(60);
        assert_eq!(
            prepare("a.png", broken, LIMITS).err(),
            Some(Refusal("files.undecodable"))
        );
    }

    #[test]
    fn empty_and_oversized_files_are_refused() {
        assert_eq!(
            prepare("a.jpg", Vec::new(), LIMITS).err(),
            Some(Refusal("files.empty"))
        );
        let small = Limits {
            max_file_bytes: 100,
            ..LIMITS
        };
        let png = encoded(&gradient(64, 64), ImageFormat::Png);
        assert!(png.len() > 100);
        assert_eq!(
            prepare("a.png", png, small).err(),
            Some(Refusal("files.too_large"))
        );
    }

    #[test]
    fn names_that_look_like_paths_are_refused_not_rewritten() {
        let png = encoded(&gradient(4, 4), ImageFormat::Png);
        for bad in [
            "../a.png",
            "..\\a.png",
            "a/b.png",
            "C:\\x\\a.png",
            "a\0.png",
            "a\n.png",
            "",
            "  ",
            "..",
        ] {
            assert_eq!(
                prepare(bad, png.clone(), LIMITS).err(),
                Some(Refusal("files.bad_name")),
                "{bad:?}"
            );
        }
        let long = format!("{}.png", "隐".repeat(300));
        let p = prepare(&long, png, LIMITS).expect("a long name is shortened");
        assert_eq!(p.display_name.chars().count(), 255);
    }

    /// A PNG that is only its header: IHDR declaring `w`×`h`, then an IDAT that does not
    /// decode. Whatever looks past the header fails on it.
    fn png_header_only(w: u32, h: u32) -> Vec<u8> {
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut chunk = |kind: &[u8; 4], data: &[u8]| {
            out.extend_from_slice(&(data.len() as u32).to_be_bytes());
            let typed = [kind.as_slice(), data].concat();
            out.extend_from_slice(&typed);
            out.extend_from_slice(&crc32fast::hash(&typed).to_be_bytes());
        };
        let ihdr = [
            w.to_be_bytes().as_slice(),
            &h.to_be_bytes(),
            &[8, 0, 0, 0, 0],
        ]
        .concat();
        chunk(b"IHDR", &ihdr);
        chunk(b"IDAT", &[0xde, 0xad, 0xbe, 0xef]);
        chunk(b"IEND", &[]);
        out
    }

    #[test]
    fn an_image_declaring_too_many_pixels_is_refused_from_its_header_alone() {
        let bomb = png_header_only(16_000, 8_000);
        assert_eq!(
            declared_size(&bomb, ImageFormat::Png, 40_000_000),
            Err(Refusal("files.too_many_pixels"))
        );
        assert_eq!(
            prepare("bomb.png", bomb, LIMITS).err(),
            Some(Refusal("files.too_many_pixels")),
            "refused before decoding (the data would not even decode)"
        );
        // At the limit the header passes; this one then fails to decode, as it should.
        let at_limit = png_header_only(8_000, 5_000);
        assert_eq!(
            declared_size(&at_limit, ImageFormat::Png, 40_000_000),
            Ok((8_000, 5_000))
        );
        assert_eq!(
            prepare("a.png", at_limit, LIMITS).err(),
            Some(Refusal("files.undecodable"))
        );
        // A real photo is measured the same way, whatever its format.
        let jpeg = encoded(&gradient(300, 200), ImageFormat::Jpeg);
        assert_eq!(
            declared_size(&jpeg, ImageFormat::Jpeg, 60_000),
            Ok((300, 200))
        );
        assert_eq!(
            declared_size(&jpeg, ImageFormat::Jpeg, 59_999),
            Err(Refusal("files.too_many_pixels"))
        );
        let webp = encoded(&gradient(30, 20), ImageFormat::WebP);
        assert_eq!(
            declared_size(&webp, ImageFormat::WebP, 599),
            Err(Refusal("files.too_many_pixels"))
        );
    }

    #[test]
    fn the_pixel_limit_message_names_the_configured_limit_in_both_languages() {
        use crate::i18n::{Lang, t_args};
        let s = StorageSettings::default();
        assert_eq!(s.max_megapixels, 40);
        let slots = message_slots(&s);
        let args: Vec<(&str, &str)> = slots.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let zh = t_args(Lang::ZhCn, "files.too_many_pixels", &args);
        let en = t_args(Lang::En, "files.too_many_pixels", &args);
        assert!(zh.contains("4000 万像素"), "{zh}");
        assert!(en.contains("40 megapixels"), "{en}");
        assert!(!zh.contains('{') && !en.contains('{'), "{zh} / {en}");
    }

    #[test]
    fn copies_are_named_as_jpegs() {
        assert_eq!(jpg_name("现场.png", ""), "现场.jpg");
        assert_eq!(jpg_name("a.b.webp", "-thumb"), "a.b-thumb.jpg");
        assert_eq!(jpg_name(".hidden", ""), ".hidden.jpg");
    }
}
