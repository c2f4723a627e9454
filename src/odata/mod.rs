//! OData URL conventions the harness and the reference server share: query options (`$select`), the
//! key segments of a resource path, and the `@odata.context` URL.

pub mod context;
pub mod path;
pub mod query;

pub use context::{ContextSegment, ContextUrl};
pub use path::ResourcePath;
pub use query::{QueryOptions, Select};
