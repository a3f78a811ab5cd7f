//! 专家库: the expert pool the bureau keeps. Who sees which experts is `scope::experts`;
//! reads are in `queries`.

pub mod queries;
