//! The cases and schemas this build ships, embedded in the binary: `cargo install` gives a program
//! that runs from any folder. A folder named `cases` (or `schemas`) in the working directory, or
//! `--cases DIR` / `--schemas DIR`, wins; without one the built-in copy is read, under paths that
//! start with [`ROOT`] (what reports and errors show for them). Only reading goes through here:
//! nothing is ever written under [`ROOT`].

use std::io;
use std::path::{Component, Path, PathBuf};

use include_dir::{Dir, DirEntry, include_dir};

static CASES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/cases");
static SCHEMAS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/schemas");

/// The first component of a built-in path: `(built-in)/cases/beta/…`.
pub const ROOT: &str = "(built-in)";

/// `name` (`cases` or `schemas`) in the working directory when it is a folder there, else the
/// built-in copy.
pub fn default_dir(name: &str) -> PathBuf {
    if Path::new(name).is_dir() || tree(name).is_none() { PathBuf::from(name) } else { Path::new(ROOT).join(name) }
}

/// The built-in copy of `name` (`cases`, `schemas`), whatever the working directory holds.
pub fn built_in(name: &str) -> PathBuf {
    Path::new(ROOT).join(name)
}

/// Whether `path` names the built-in copy.
pub fn is_built_in(path: &Path) -> bool {
    path.components().next().is_some_and(|c| c.as_os_str() == ROOT)
}

fn tree(name: &str) -> Option<&'static Dir<'static>> {
    match name {
        "cases" => Some(&CASES),
        "schemas" => Some(&SCHEMAS),
        _ => None,
    }
}

/// What a built-in path names: a folder, a file, or nothing.
enum Found {
    Dir(&'static Dir<'static>),
    File(&'static [u8]),
}

fn find(path: &Path) -> Option<Found> {
    let mut parts = path.components().filter(|c| !matches!(c, Component::CurDir));
    if parts.next()?.as_os_str() != ROOT {
        return None;
    }
    let top = tree(parts.next()?.as_os_str().to_str()?)?;
    let rest: PathBuf = parts.collect();
    if rest.as_os_str().is_empty() {
        return Some(Found::Dir(top));
    }
    if rest.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    if let Some(d) = top.get_dir(&rest) {
        return Some(Found::Dir(d));
    }
    top.get_file(&rest).map(|f| Found::File(f.contents()))
}

fn not_found(path: &Path) -> io::Error {
    io::Error::new(io::ErrorKind::NotFound, format!("{} is not in this build's built-in files", path.display()))
}

/// The entries of a folder (full paths), built-in or on disk.
pub fn read_dir(path: &Path) -> io::Result<Vec<PathBuf>> {
    if !is_built_in(path) {
        return std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect();
    }
    let Some(Found::Dir(d)) = find(path) else { return Err(not_found(path)) };
    // Entry paths are relative to the tree's root: keep only the last name.
    Ok(d.entries()
        .iter()
        .filter_map(|e| {
            let name = match e {
                DirEntry::Dir(d) => d.path().file_name(),
                DirEntry::File(f) => f.path().file_name(),
            }?;
            Some(path.join(name))
        })
        .collect())
}

/// A file's text, built-in or on disk.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    if !is_built_in(path) {
        return std::fs::read_to_string(path);
    }
    match find(path) {
        Some(Found::File(bytes)) => {
            String::from_utf8(bytes.to_vec()).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
        }
        _ => Err(not_found(path)),
    }
}

/// Whether `path` is a folder, built-in or on disk.
pub fn is_dir(path: &Path) -> bool {
    if is_built_in(path) { matches!(find(path), Some(Found::Dir(_))) } else { path.is_dir() }
}

/// Whether `path` is a file, built-in or on disk.
pub fn is_file(path: &Path) -> bool {
    if is_built_in(path) { matches!(find(path), Some(Found::File(_))) } else { path.is_file() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_copy_is_the_checkouts() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for name in ["cases", "schemas"] {
            let built_in = Path::new(ROOT).join(name);
            assert!(is_dir(&built_in));
            let mut on_disk: Vec<PathBuf> =
                std::fs::read_dir(root.join(name)).unwrap().map(|e| e.unwrap().path()).collect();
            let mut listed = read_dir(&built_in).unwrap();
            on_disk.sort();
            listed.sort();
            let names = |v: &[PathBuf]| v.iter().map(|p| p.file_name().unwrap().to_owned()).collect::<Vec<_>>();
            assert_eq!(names(&on_disk), names(&listed), "{name}");
        }
        let file = Path::new(ROOT).join("schemas/beta/overlay.json");
        assert!(is_file(&file) && !is_dir(&file));
        assert_eq!(
            read_to_string(&file).unwrap(),
            std::fs::read_to_string(root.join("schemas/beta/overlay.json")).unwrap()
        );
        // Nothing outside the two trees, and no way out of them.
        for bad in ["(built-in)/src", "(built-in)/cases/../Cargo.toml", "(built-in)/cases/nope.json"] {
            assert!(read_to_string(Path::new(bad)).is_err() && !is_dir(Path::new(bad)), "{bad}");
        }
        assert!(!is_built_in(Path::new("cases")));
    }
}
