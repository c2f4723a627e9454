//! The fault catalogue: defects a real implementation of the endpoint could have. `serve --fault NAME`
//! runs the reference server with one of them; a test runs the suite against each and requires the
//! run to fail naming the rule in [`FaultInfo::caught_by`]. A fault the suite cannot catch is a missing
//! check.

/// One defect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    IgnoreSelect,
    ExtraUnselectedProperty,
    SelectDropsSubject,
    DollarlessSelectIgnored,
    UnknownSelectAccepted,
    DuplicateSelectRejected,
    ContextMissing,
    ContextWithoutSelect,
    ContextWrongRoot,
    ContextWrongKey,
    ContextNotEntity,
    UnknownIdReturns200,
    UnknownWorkflowServerError,
    EnumWrongCase,
    DateWithoutOffset,
    NullWorkflowVersion,
    CountAsString,
    Int32Overflow,
    LeakEvolvableEnum,
    MissingRequiredProperty,
    UndocumentedProperty,
    NegativeCount,
    FailedExceedsTotal,
    UnprocessedExceedsTotal,
    StartedAfterCompleted,
    IdMismatch,
    ValueDrift,
    PlainText404,
    ErrorWithoutCode,
    NoAuthRequired,
    WrongContentType,
    NoRequestId,
    ClientRequestIdNotEchoed,
    ODataVersion3,
    Status201,
    Stall,
    PagingLoop,
    PagingTruncated,
    ListRowDiffers,
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
    /// Only `run --discover` walks the lists this fault breaks.
    pub needs_discovery: bool,
}

const fn f(
    fault: Fault,
    name: &'static str,
    area: &'static str,
    description: &'static str,
    caught_by: &'static str,
) -> FaultInfo {
    FaultInfo { fault, name, area, description, caught_by, needs_discovery: false }
}

/// Marks a fault that only discovery's list walks can see.
const fn discovery_only(info: FaultInfo) -> FaultInfo {
    FaultInfo { needs_discovery: true, ..info }
}

/// The catalogue.
pub const FAULTS: &[FaultInfo] = &[
    f(Fault::IgnoreSelect, "ignore-select", "$select", "answers $select with the full entity", "select"),
    f(
        Fault::ExtraUnselectedProperty,
        "extra-unselected-property",
        "$select",
        "adds workflowVersion to every $select answer",
        "select",
    ),
    f(
        Fault::SelectDropsSubject,
        "select-drops-subject",
        "$select",
        "leaves out subject even when it is selected",
        "select",
    ),
    f(
        Fault::DollarlessSelectIgnored,
        "dollarless-select-ignored",
        "$select",
        "ignores beta's select= without '$'",
        "select",
    ),
    f(
        Fault::UnknownSelectAccepted,
        "unknown-select-accepted",
        "$select",
        "answers 200 when $select names an unknown property",
        "status",
    ),
    f(
        Fault::DuplicateSelectRejected,
        "duplicate-select-rejected",
        "$select",
        "answers 400 when $select repeats a property",
        "status",
    ),
    f(Fault::ContextMissing, "context-missing", "@odata.context", "sends no @odata.context", "odata.context"),
    f(
        Fault::ContextWithoutSelect,
        "context-without-select",
        "@odata.context",
        "drops the select list from the context",
        "odata.context",
    ),
    f(
        Fault::ContextWrongRoot,
        "context-wrong-root",
        "@odata.context",
        "roots the context at https://graph.microsoft.com/beta whatever its own address",
        "odata.context",
    ),
    f(
        Fault::ContextWrongKey,
        "context-wrong-key",
        "@odata.context",
        "puts the run id where the workflow id belongs",
        "odata.context",
    ),
    f(
        Fault::ContextNotEntity,
        "context-not-entity",
        "@odata.context",
        "omits /$entity for a single entity",
        "odata.context",
    ),
    f(
        Fault::UnknownIdReturns200,
        "unknown-id-200",
        "status codes",
        "answers an unknown userProcessingResultId with 200 and another entity",
        "status",
    ),
    f(
        Fault::UnknownWorkflowServerError,
        "unknown-workflow-500",
        "status codes",
        "answers an unknown workflow id with 500",
        "status",
    ),
    f(Fault::EnumWrongCase, "enum-wrong-case", "enums", "sends processingStatus as \"Completed\"", "schema"),
    f(
        Fault::DateWithoutOffset,
        "date-without-offset",
        "formats",
        "sends scheduledDateTime without an offset",
        "schema",
    ),
    f(
        Fault::NullWorkflowVersion,
        "null-workflow-version",
        "types",
        "sends null for the non-nullable workflowVersion",
        "schema",
    ),
    f(Fault::CountAsString, "count-as-string", "types", "sends totalTasksCount as a string", "schema"),
    f(Fault::Int32Overflow, "int32-overflow", "types", "sends a workflowVersion beyond Edm.Int32", "schema"),
    f(
        Fault::LeakEvolvableEnum,
        "leak-evolvable-enum",
        "enums",
        "sends evolvable members without Prefer: include-unknown-enum-members",
        "enum.evolvable",
    ),
    f(
        Fault::MissingRequiredProperty,
        "missing-required-property",
        "values",
        "leaves scheduledDateTime out of full answers",
        "schema",
    ),
    f(
        Fault::UndocumentedProperty,
        "undocumented-property",
        "values",
        "adds an undeclared property to full answers",
        "undocumented-property",
    ),
    f(
        Fault::NegativeCount,
        "negative-count",
        "invariants",
        "sends failedTasksCount -1",
        "invariant.counts-non-negative",
    ),
    f(
        Fault::FailedExceedsTotal,
        "failed-exceeds-total",
        "invariants",
        "sends more failed tasks than tasks",
        "invariant.failed-within-total",
    ),
    f(
        Fault::UnprocessedExceedsTotal,
        "unprocessed-exceeds-total",
        "invariants",
        "sends more unprocessed tasks than tasks",
        "invariant.unprocessed-within-total",
    ),
    f(
        Fault::StartedAfterCompleted,
        "started-after-completed",
        "invariants",
        "sends a startedDateTime after completedDateTime",
        "invariant.started-before-completed",
    ),
    f(Fault::IdMismatch, "id-mismatch", "values", "answers with an id other than the requested one", "odata.id"),
    f(Fault::ValueDrift, "value-drift", "values", "adds 1 to failedTasksCount (and totalTasksCount)", "body.value"),
    f(Fault::PlainText404, "plain-text-404", "errors", "answers 404 with a text/plain body", "error.shape"),
    f(Fault::ErrorWithoutCode, "error-without-code", "errors", "sends error bodies without error.code", "error.shape"),
    f(Fault::NoAuthRequired, "no-auth-required", "auth", "answers 200 without a bearer token", "status"),
    f(Fault::WrongContentType, "wrong-content-type", "headers", "labels JSON answers text/plain", "content-type"),
    f(Fault::NoRequestId, "no-request-id", "headers", "sends no request-id header", "headers.request-id"),
    f(
        Fault::ClientRequestIdNotEchoed,
        "client-request-id-not-echoed",
        "headers",
        "answers with a client-request-id of its own",
        "headers.client-request-id",
    ),
    f(Fault::ODataVersion3, "odata-version-3", "headers", "sends OData-Version: 3.0", "headers.odata-version"),
    f(Fault::Status201, "status-201", "status codes", "answers reads with 201 Created", "status"),
    f(Fault::Stall, "stall", "timing", "never finishes answering a plain read of an entity", "transport"),
    discovery_only(f(
        Fault::PagingLoop,
        "paging-loop",
        "paging",
        "points @odata.nextLink of the results list back at its first page",
        "list.paging",
    )),
    discovery_only(f(
        Fault::PagingTruncated,
        "paging-truncated",
        "paging",
        "ends the results list after its first page although @odata.count says more",
        "list.paging",
    )),
    discovery_only(f(
        Fault::ListRowDiffers,
        "list-row-differs",
        "paging",
        "lists results with other values than a read by id returns",
        "list.consistency",
    )),
];

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
        FAULTS.iter().find(|f| f.fault == self).expect("every fault is in the catalogue")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn names_are_unique_and_rules_exist() {
        let names: BTreeSet<_> = FAULTS.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), FAULTS.len());
        for f in FAULTS {
            assert!(crate::check::rule(f.caught_by).is_some(), "{} names unknown rule {}", f.name, f.caught_by);
            assert_eq!(Fault::from_name(f.name).unwrap(), f.fault);
        }
        assert!(FAULTS.len() >= 25);
    }
}
