//! Empty: this package only carries the features its manifest turns on (see its Cargo.toml).
