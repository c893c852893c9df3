//! Facts from Backstage entities: `spec.dependsOn` entries are hard
//! dependencies of the service the entity belongs to (DESIGN §2).

use super::{Loc, ServiceFacts};
use crate::readers::catalog::normalise_ref;
use crate::readers::{FileKind, Node, Resource};
use crate::source::Side;
use std::sync::Arc;

/// Adds the `spec.dependsOn` refs of the service's catalog entities.
pub fn extract(side: Side, resources: &[Arc<Resource>], facts: &mut ServiceFacts) {
    for r in resources
        .iter()
        .filter(|r| r.file_kind == FileKind::Catalog)
    {
        let namespace = r.namespace.as_deref().unwrap_or("default");
        for item in r.field("spec.dependsOn").map(Node::items).unwrap_or(&[]) {
            match item.as_str() {
                Some(text) if !text.trim().is_empty() => facts.depends_on.push((
                    normalise_ref(text, "component", namespace),
                    Loc::of(side, r, Some(item)),
                )),
                _ => facts.notes.push(format!(
                    "{}: an entry of {}'s spec.dependsOn is not an entity ref, ignored",
                    r.path, r.address
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::read_file;
    use crate::readers::yaml::line_col;

    #[test]
    fn depends_on_refs_with_locations() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: payments, namespace: finance}\nspec:\n  dependsOn:\n    - resource:ledger-db\n    - Component:default/FX-Rates\n";
        let read = read_file(&Arc::from("catalog-info.yaml"), text.as_bytes());
        assert!(read.infrastructure);
        let rs: Vec<_> = read.resources.into_iter().map(Arc::new).collect();
        let facts = crate::facts::derive(Side::Head, rs);
        let deps: Vec<_> = facts
            .depends_on
            .iter()
            .map(|(r, loc)| (r.as_str(), line_col(text, loc.span.start)))
            .collect();
        assert_eq!(
            deps,
            [
                ("resource:finance/ledger-db", (6, 7)),
                ("component:default/fx-rates", (7, 7))
            ]
        );
    }
}
