//! The role sets that routes of several modules share as their access rule
//! (`Access::Roles`). A set used by one module only is declared beside that module's routes.

use crate::domain::role::Role;

/// The alliance side of memberships, and the keepers of activity groups.
pub const COMMITTEE_MEMBERS: &[Role] = &[Role::Committee];
/// Roles that register and edit enterprises.
pub const REGISTRARS: &[Role] = &[Role::Admin, Role::Regulator];
/// Roles that read participation figures (参盟率) and the label rules (三色标签): the bureau,
/// and the admin for the city.
pub const PARTICIPATION_READERS: &[Role] = &[Role::Admin, Role::Regulator];
/// Roles that set participation targets and label rules (the bureau, inside its jurisdiction).
pub const TARGET_SETTERS: &[Role] = &[Role::Regulator];
/// Roles that keep their own enterprise's contact details.
pub const ENTERPRISE_ADMINS: &[Role] = &[Role::EnterpriseAdmin];
/// The accounts of an enterprise (its staff list is theirs to read).
pub const ENTERPRISE_USERS: &[Role] = &[Role::EnterpriseAdmin, Role::EnterpriseStaff];
/// The inspecting party of an inspection: an enterprise's accounts, or an expert on a visit
/// (the service decides whether this caller inspects this inspection).
pub const INSPECTORS: &[Role] = &[Role::EnterpriseAdmin, Role::EnterpriseStaff, Role::Expert];
