//! A second hop for the loader: the related rows of rows that were themselves loaded (an
//! inspection's version, then that version's template), one query per hop.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, LoaderTrait, ModelTrait, Related};

/// For each loaded parent, the `R` it belongs to; `None` stays `None` without a lookup.
pub async fn load_one_of<P, R, C>(
    db: &C,
    parents: Vec<Option<P>>,
    related: R,
) -> Result<Vec<Option<(P, Option<R::Model>)>>, DbErr>
where
    P: ModelTrait + Sync + Clone,
    P::Entity: Related<R>,
    R: EntityTrait,
    R::Model: Send + Sync,
    C: ConnectionTrait,
{
    let present: Vec<P> = parents.iter().flatten().cloned().collect();
    let mut found = present.load_one(related, db).await?.into_iter();
    Ok(parents
        .into_iter()
        .map(|p| p.map(|p| (p, found.next().flatten())))
        .collect())
}
