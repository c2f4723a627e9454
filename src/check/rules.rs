//! Every rule the harness checks, with where it comes from. README's rule table mirrors this list
//! (a test keeps them in step), and every finding names one of these ids.

/// A rule: its id (printed with each failure), what it requires, and its source.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    pub id: &'static str,
    pub requires: &'static str,
    pub source: &'static str,
}

/// The rules, in the order checks run.
pub const RULES: &[Rule] = &[
    Rule {
        id: "harness",
        requires: "the harness itself can check the case: its schema compiles, its template fills, its case file reads (not a finding about the server)",
        source: "harness",
    },
    Rule {
        id: "transport",
        requires: "the request completes within --timeout, with a body no larger than --max-body-bytes, without a redirect",
        source: "harness",
    },
    Rule {
        id: "status",
        requires: "the status code is the documented one (or one of the accepted ones)",
        source: "doc (each example's status line); ApiDoctor HttpStatusCodeDifferent",
    },
    Rule {
        id: "content-type",
        requires: "a response with a body has a JSON media type; parameters such as odata.metadata=minimal are allowed; a documented Content-Type is matched by media type",
        source: "doc (responses show Content-Type: application/json); ApiDoctor compares it by prefix",
    },
    Rule {
        id: "body.json",
        requires: "the body is one valid UTF-8 JSON value, with no duplicate keys and nesting within serde_json's limit",
        source: "RFC 8259 (duplicate names make a body ambiguous)",
    },
    Rule {
        id: "headers.documented",
        requires: "every header the example documents is present",
        source: "doc examples; ApiDoctor HttpRequiredHeaderMissing",
    },
    Rule {
        id: "headers.request-id",
        requires: "every response carries a request-id header",
        source: "graph-facts 7 (every captured Graph response); Microsoft support asks for it",
    },
    Rule {
        id: "headers.client-request-id",
        requires: "a client-request-id in the response equals the one the harness sent",
        source: "graph-facts 7 (inferred: Graph echoes a client-supplied value)",
    },
    Rule {
        id: "headers.odata-version",
        requires: "an OData-Version header, when present, is 4.0 or 4.01",
        source: "OData 4.01 Protocol 8.1.5; graph-facts 7",
    },
    Rule {
        id: "error.shape",
        requires: "a 4xx/5xx body is Graph's error object {error: {code, message, innerError?}} with a JSON content type",
        source: "doc concepts/errors.md; schemas/graph.error.json",
    },
    Rule {
        id: "schema",
        requires: "a successful body validates against the type's schema: property types, Edm.Int32 range, date-time with offset, non-nullable properties not null, known enum members",
        source: "metadata (beta CSDL) and resource page; schemas/",
    },
    Rule {
        id: "enum.evolvable",
        requires: "enum members after unknownFutureValue appear only when the request sent Prefer: include-unknown-enum-members",
        source: "Graph evolvable-enum rule (graph-facts 3); members from the CSDL",
    },
    Rule {
        id: "odata.type",
        requires: "an entity's @odata.type, when present, names the expected type or one derived from it",
        source: "OData 4.01 JSON Format 4.5.3; metadata (BaseType)",
    },
    Rule {
        id: "navigation.expanded",
        requires: "a navigation property is in a full answer exactly when $expand asked for it or the endpoint returns it by default (its documented answers or the overlay say so), inside inline entities too (only what the $expand item nests)",
        source: "OData 4.01 Protocol 11.2.5.2 ($expand); doc examples per endpoint; schemas/overlay.json",
    },
    Rule {
        id: "select",
        requires: "with $select (or beta's select), every selected property is present and no other property is (OData control information and the key excepted)",
        source: "OData 4.01 Protocol 11.2.5.1; doc seed example 2",
    },
    Rule {
        id: "undocumented-property",
        requires: "a full answer has only properties the schema declares (a warning on live targets, a failure under --profile reference)",
        source: "metadata; ApiDoctor UndocumentedPropertyWarning",
    },
    Rule {
        id: "odata.context",
        requires: "@odata.context is present, rooted at the target's service root, names the request's path and keys (an operation's result: its type), ends with /$entity for one entity, and carries the $select list (as a set, the key optional) when one was sent",
        source: "doc examples (entities, lists, summaries); OData 4.01 JSON Format 10",
    },
    Rule {
        id: "odata.id",
        requires: "the body's id equals the id in the request URL",
        source: "OData 4.01 Protocol 4.1 (an entity read by key is that entity)",
    },
    Rule {
        id: "invariant.counts-non-negative",
        requires: "every count (…Count, total…, failed…, successful…, unprocessed…) is not negative",
        source: "inferred: they count things",
    },
    Rule {
        id: "invariant.failed-within-total",
        requires: "failed<X> is at most total<X>, for any X (failed…Count <= total…Count)",
        source: "inferred: failed ones are among all of them",
    },
    Rule {
        id: "invariant.unprocessed-within-total",
        requires: "unprocessed<X> (or totalUnprocessed<X>) is at most total<X>, for any X",
        source: "inferred: unprocessed ones are among all of them",
    },
    Rule {
        id: "invariant.outcomes-within-total",
        requires: "successful<X> + failed<X> (+ unprocessed<X>) add up to at most total<X>, for any X",
        source: "inferred from the resource pages (each counts a part of the total); doc summary examples hold it",
    },
    Rule {
        id: "invariant.started-before-completed",
        requires: "a started<X> or start<X> time is not after the completed<X>, ended<X>, end<X> or finished<X> time of the same object, when both are set",
        source: "inferred from the resource pages (a period starts before it ends)",
    },
    Rule {
        id: "invariant.deleted-has-time",
        requires: "an entity read from a recycle bin (deletedItems) has a deletedDateTime",
        source: "Graph's deletedItems (directory-deleteditems-list: items deleted in the last 30 days, each with its deletedDateTime); inferred for every deletedItems collection",
    },
    Rule {
        id: "invariant.total-counts-rows",
        requires: "an integer property the area's overlay declares as the count of one of the entity's collection-valued navigations equals that navigation's @odata.count",
        source: "schemas/<version>/overlay.json totals, each with its resource page (inferred from the properties' descriptions)",
    },
    Rule {
        id: "query.top",
        requires: "a list read with $top=N holds at most N rows",
        source: "OData 4.01 Protocol 11.2.6.3",
    },
    Rule {
        id: "query.count",
        requires: "a list read with $count=true carries @odata.count, at least the rows of the page, and equal to them on a last page",
        source: "OData 4.01 Protocol 11.2.6.5",
    },
    Rule {
        id: "query.filter",
        requires: "every row of a list read with a simple $filter (eq, ne, gt, ge, lt, le, has; and, or, not) satisfies it, where the row shows the properties it names",
        source: "OData 4.01 URL Conventions 5.1.1 ($filter)",
    },
    Rule {
        id: "function.within-collection",
        requires: "a bound function's count of its collection's rows (a field the overlay computes as count) is at most the @odata.count of that collection",
        source: "schemas/<version>/overlay.json functions (each with its page); inferred: a summary counts rows of the collection it is bound to",
    },
    Rule {
        id: "body.value",
        requires: "under --profile reference, every documented value is present and equal; an untruncated example must match exactly",
        source: "doc examples; ApiDoctor ExpectedResponseAsRequiredProperties",
    },
    Rule {
        id: "list.paging",
        requires: "a list walked through @odata.nextLink ends, never repeats a row, stays on the target's origin and in the same collection, and holds @odata.count rows",
        source: "OData 4.01 Protocol 11.2.6.7 server-driven paging",
    },
    Rule {
        id: "list.ids",
        requires: "every row of a list has a usable key: present, non-empty, at most 512 bytes, no control characters, not a dot segment, of the key's type",
        source: "OData 4.01 Protocol 4.3 (keys); metadata (key types)",
    },
    Rule {
        id: "list.consistency",
        requires: "discovery: the entity read by key equals its row in the list, at every level",
        source: "inferred: both read the same entity",
    },
    Rule {
        id: "navigation.consistency",
        requires: "a single-valued navigation read on its own is the entity its parent shows under $expand, and 404 only where the parent shows none",
        source: "OData 4.01 Protocol 11.2.4 (navigation properties) and 11.2.5.2 ($expand): both address the same related entity",
    },
    Rule {
        id: "reference.resolves",
        requires: "a property the area's overlay declares as another entity's key names an entity that exists: reading it does not answer 404",
        source: "schemas/<version>/overlay.json references, each with its resource page",
    },
    Rule {
        id: "diff.status",
        requires: "diff: the candidate answers with the baseline's status and media type",
        source: "differential testing (Diffy): the baseline is the contract",
    },
    Rule {
        id: "diff.missing",
        requires: "diff: everything the baseline's answer has, the candidate's has (collections matched by key)",
        source: "differential testing (Diffy): the baseline is the contract",
    },
    Rule {
        id: "diff.extra",
        requires: "diff: the candidate's answer has nothing the baseline's lacks",
        source: "differential testing (Diffy): the baseline is the contract",
    },
    Rule {
        id: "diff.type",
        requires: "diff: each value has the JSON type the baseline's has",
        source: "differential testing (Diffy): the baseline is the contract",
    },
    Rule {
        id: "diff.value",
        requires: "diff: each value (and each collection's size) equals the baseline's, less the noise (built in, --noise, learned from the baseline answering twice)",
        source: "differential testing (Diffy): the baseline is the contract",
    },
    Rule {
        id: "diff.order",
        requires: "diff: with $orderby, the items come in the baseline's order",
        source: "differential testing (Diffy); OData 4.01 Protocol 11.2.6.2 ($orderby)",
    },
];

/// The rule with `id`, if it exists.
pub fn rule(id: &str) -> Option<&'static Rule> {
    rule_index(id).map(|i| &RULES[i])
}

/// The place of rule `id` in [`RULES`]: looked up for every rule every answer reaches, so by hash
/// rather than by comparing it with each id in turn.
fn rule_index(id: &str) -> Option<usize> {
    static INDEX: std::sync::LazyLock<std::collections::HashMap<&'static str, usize>> =
        std::sync::LazyLock::new(|| RULES.iter().enumerate().map(|(i, r)| (r.id, i)).collect());
    INDEX.get(id).copied()
}

/// A set of rules (by their place in [`RULES`]): which rules a case's answer was checked against.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleSet(u64);

const _: () = assert!(RULES.len() <= 64, "RuleSet holds at most 64 rules");

impl RuleSet {
    pub fn of(ids: &[&str]) -> Self {
        let mut s = RuleSet::default();
        for id in ids {
            s.insert(id);
        }
        s
    }

    /// Adds `id` (an unknown id is ignored: the rules table is the only source of ids).
    pub fn insert(&mut self, id: &str) {
        if let Some(i) = rule_index(id) {
            self.0 |= 1 << i;
        }
    }

    pub fn union(self, other: RuleSet) -> RuleSet {
        RuleSet(self.0 | other.0)
    }

    pub fn contains(&self, id: &str) -> bool {
        rule_index(id).is_some_and(|i| self.0 & (1 << i) != 0)
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    /// The rule ids, in table order.
    pub fn ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        RULES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, r)| r.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_id_names_one_rule() {
        for (i, r) in RULES.iter().enumerate() {
            assert_eq!(rule_index(r.id), Some(i), "{} is in the table twice", r.id);
        }
        assert_eq!(rule_index("no-such-rule"), None);
    }
}
