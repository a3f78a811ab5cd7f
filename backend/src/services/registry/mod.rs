//! The registry: who is who. Creation of regions, industries, enterprises, alliances,
//! memberships, groups and experts (used by the seed now, by the registry pages later), and
//! the scoped reads the portals show.

mod queries;
mod write;

pub use queries::*;
pub use write::*;
