//! The registry: who is who. Creation of regions and experts (alliances, memberships and
//! groups are created by their own services, the seed included), and the scoped reads the
//! portals show.

mod queries;
mod write;

pub use queries::*;
pub use write::*;
