//! The fault catalogue: defects a real implementation of the family could have. `serve --fault NAME`
//! runs the reference server with one of them; a test runs the suites against each and requires the
//! run to fail naming the rule in [`FaultInfo::caught_by`]. A fault the suites cannot catch is a
//! missing check. The enum and the catalogue are declared together, so no fault can be left out.

/// When a fault shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Any run of the suites against the embedded server or `serve`.
    Suite,
    /// Only `run --discover`, which walks the lists (`serve --entities N` gives them several pages).
    Discovery,
}

/// What a fault is and which rule must catch it.
#[derive(Debug, Clone, Copy)]
pub struct FaultInfo {
    pub fault: Fault,
    pub name: &'static str,
    pub area: &'static str,
    pub description: &'static str,
    /// The rule id a run against this fault must report.
    pub caught_by: &'static str,
    pub needs: Needs,
}

impl FaultInfo {
    /// Only `run --discover` walks the lists this fault breaks.
    pub fn needs_discovery(&self) -> bool {
        self.needs == Needs::Discovery
    }

    /// What a run must do to show the fault, for `--list-faults` and README.
    pub fn how(&self) -> &'static str {
        match self.needs {
            Needs::Suite => "",
            Needs::Discovery => "run --discover against serve --entities 250 --page-size 40",
        }
    }
}

macro_rules! catalogue {
    ($( $variant:ident = $name:literal, $area:literal, $needs:ident, $rule:literal, $description:literal; )*) => {
        /// One defect.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Fault { $( $variant, )* }

        /// Every fault, in catalogue order.
        pub const FAULTS: &[FaultInfo] = &[
            $( FaultInfo { fault: Fault::$variant, name: $name, area: $area, description: $description, caught_by: $rule, needs: Needs::$needs }, )*
        ];

        impl Fault {
            /// Every variant, listed by the same declaration as the catalogue.
            pub const ALL: &[Fault] = &[ $( Fault::$variant, )* ];
        }
    };
}

catalogue! {
    IgnoreSelect = "ignore-select", "$select", Suite, "select", "answers $select with the full entity";
    ExtraUnselectedProperty = "extra-unselected-property", "$select", Suite, "select", "adds a property that was not selected to every $select answer";
    SelectDropsSelected = "select-drops-selected", "$select", Suite, "select", "leaves out a selected property";
    DollarlessSelectIgnored = "dollarless-select-ignored", "$select", Suite, "select", "ignores beta's select= without '$'";
    UnknownSelectAccepted = "unknown-select-accepted", "$select", Suite, "status", "answers 200 when $select names an unknown property";
    DuplicateSelectRejected = "duplicate-select-rejected", "$select", Suite, "status", "answers 400 when $select repeats a property";
    ContextMissing = "context-missing", "@odata.context", Suite, "odata.context", "sends no @odata.context";
    ContextWithoutSelect = "context-without-select", "@odata.context", Suite, "odata.context", "drops the select list from the context";
    ContextWrongRoot = "context-wrong-root", "@odata.context", Suite, "odata.context", "roots the context at https://graph.microsoft.com/beta whatever its own address";
    ContextWrongKey = "context-wrong-key", "@odata.context", Suite, "odata.context", "puts the last key in the context where the first one belongs";
    ContextNotEntity = "context-not-entity", "@odata.context", Suite, "odata.context", "omits /$entity for a single entity";
    ListContextEntity = "list-context-entity", "@odata.context", Suite, "odata.context", "ends a list's context with /$entity";
    SummaryContext = "summary-context", "@odata.context", Suite, "odata.context", "names a function's result by its path instead of its type";
    UnknownIdReturns200 = "unknown-id-200", "status codes", Suite, "status", "answers an unknown id with 200 and another entity";
    UnknownKeyServerError = "unknown-key-500", "status codes", Suite, "status", "answers an unknown first key of a path with 500";
    EnumWrongCase = "enum-wrong-case", "enums", Suite, "schema", "sends an enum member with a capital first letter (\"Completed\")";
    DateWithoutOffset = "date-without-offset", "formats", Suite, "schema", "sends a DateTimeOffset without its offset";
    NullNonNullable = "null-non-nullable", "types", Suite, "schema", "sends null for a non-nullable property";
    CountAsString = "count-as-string", "types", Suite, "schema", "sends an integer property as a string";
    Int32Overflow = "int32-overflow", "types", Suite, "schema", "sends an Edm.Int32 property beyond its range";
    LeakEvolvableEnum = "leak-evolvable-enum", "enums", Suite, "enum.evolvable", "sends evolvable members without Prefer: include-unknown-enum-members";
    MissingRequiredProperty = "missing-required-property", "values", Suite, "schema", "leaves a non-nullable property out of full answers";
    UndocumentedProperty = "undocumented-property", "values", Suite, "undocumented-property", "adds an undeclared property to full answers";
    WrongODataType = "wrong-odata-type", "types", Suite, "odata.type", "labels entities @odata.type #microsoft.graph.user";
    NavigationLeak = "navigation-leak", "navigation", Suite, "navigation.expanded", "returns a collection navigation nobody expanded";
    NegativeCount = "negative-count", "invariants", Suite, "invariant.counts-non-negative", "sends a count (…Count, total…, failed…) of -1";
    FailedExceedsTotal = "failed-exceeds-total", "invariants", Suite, "invariant.failed-within-total", "sends failed<X> above total<X>";
    UnprocessedExceedsTotal = "unprocessed-exceeds-total", "invariants", Suite, "invariant.unprocessed-within-total", "sends unprocessed<X> above total<X>";
    SummaryArithmetic = "summary-arithmetic", "invariants", Suite, "invariant.outcomes-within-total", "sends a function result's successful<X> above its total<X>";
    StartedAfterCompleted = "started-after-completed", "invariants", Suite, "invariant.started-before-completed", "sends a start time (started<X>, start<X>) after its end (completed<X>, end<X>)";
    IdMismatch = "id-mismatch", "values", Suite, "odata.id", "answers with an id other than the requested one";
    ValueDrift = "value-drift", "values", Suite, "body.value", "adds 1 to an integer property (a total<X> first), else changes a string";
    DuplicateKey = "duplicate-key", "JSON", Suite, "body.json", "repeats the id key in entity answers";
    PlainText404 = "plain-text-404", "errors", Suite, "error.shape", "answers 404 with a text/plain body";
    ErrorWithoutCode = "error-without-code", "errors", Suite, "error.shape", "sends error bodies without error.code";
    NoAuthRequired = "no-auth-required", "auth", Suite, "status", "answers 200 without a bearer token";
    WrongContentType = "wrong-content-type", "headers", Suite, "content-type", "labels JSON answers text/plain";
    NoRequestId = "no-request-id", "headers", Suite, "headers.request-id", "sends no request-id header";
    ClientRequestIdNotEchoed = "client-request-id-not-echoed", "headers", Suite, "headers.client-request-id", "answers with a client-request-id of its own";
    ODataVersion3 = "odata-version-3", "headers", Suite, "headers.odata-version", "sends OData-Version: 3.0";
    Status201 = "status-201", "status codes", Suite, "status", "answers reads with 201 Created";
    TotalDrifts = "total-drifts", "invariants", Suite, "invariant.total-counts-rows", "counts one more in a declared total than the navigation it counts holds";
    SummaryOvercounts = "summary-overcounts", "invariants", Suite, "function.within-collection", "counts more rows in a function result than the collection it is bound to holds";
    FilterIgnored = "filter-ignored", "lists", Suite, "query.filter", "ignores $filter: answers every row";
    TopIgnored = "top-ignored", "lists", Suite, "query.top", "ignores $top";
    CountWrong = "count-wrong", "lists", Suite, "query.count", "sends an @odata.count 5 above the rows";
    Stall = "stall", "timing", Suite, "transport", "never finishes answering a plain read of an entity";
    PagingLoop = "paging-loop", "paging", Suite, "list.paging", "points @odata.nextLink of every list back at its first page";
    PagingTruncated = "paging-truncated", "paging", Suite, "list.paging", "ends lists after their first page although @odata.count says more";
    CrossLevelPaging = "cross-level-paging", "paging", Suite, "list.paging", "points @odata.nextLink at the parent's collection";
    EmptyId = "empty-id", "paging", Suite, "list.ids", "lists the first row of every list with an empty id";
    NavigationDiffers = "navigation-differs", "navigation", Suite, "navigation.consistency", "answers a single-valued navigation with another entity than its parent's $expand shows";
    ExpandIgnored = "expand-ignored", "navigation", Suite, "navigation.expanded", "ignores $expand: the navigations it names are not inline";
    DanglingReference = "dangling-reference", "references", Suite, "reference.resolves", "fills a declared reference with a key its collection does not have";
    DeletedWithoutTime = "deleted-without-time", "recycle bin", Suite, "invariant.deleted-has-time", "shows deleted items with deletedDateTime null";
    ListRowDiffers = "list-row-differs", "paging", Discovery, "list.consistency", "lists entities with other values than a read by key returns";
}

impl Fault {
    /// Looks a fault up by its catalogue name; the error lists the names.
    pub fn from_name(name: &str) -> Result<Fault, String> {
        FAULTS
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.fault)
            .ok_or_else(|| format!("unknown fault '{name}'; `graph-conformance serve --list-faults` lists them"))
    }

    pub fn info(self) -> &'static FaultInfo {
        FAULTS.iter().find(|f| f.fault == self).unwrap_or(&FAULTS[0])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_every_variant_is_catalogued() {
        let names: BTreeSet<_> = FAULTS.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), FAULTS.len());
        for f in FAULTS {
            assert_eq!(Fault::from_name(f.name).unwrap(), f.fault);
        }
        for v in Fault::ALL {
            assert!(FAULTS.iter().any(|f| f.fault == *v), "{v:?} is not in the catalogue");
            assert_eq!(v.info().fault, *v);
        }
        assert_eq!(Fault::ALL.len(), FAULTS.len());
    }
}
