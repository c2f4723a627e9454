//! Reading CSDL XML (OData's `$metadata`) into a [`Model`], with quick-xml. Every namespace of the
//! document is read; aliases (`graph.entity`) are resolved to namespaces (`microsoft.graph.entity`).
//! Annotations are skipped.

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::model::{
    ContainerChild, EnumMember, EnumType, Model, Navigation, Operation, OperationKind, Parameter, Property, Structured,
    TypeRef, split_collection,
};

/// A CSDL problem with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsdlError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for CsdlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What is being read.
enum Open {
    Structured(Structured),
    Enum(EnumType),
    Operation(Operation, bool),
    Container,
    ContainerChild,
    Other,
}

/// Parses a whole CSDL document.
pub fn parse(text: &str) -> Result<Model, CsdlError> {
    let mut reader = Reader::from_str(text);
    reader.config_mut().trim_text(true);
    let mut model = Model::default();
    let mut aliases: BTreeMap<String, String> = BTreeMap::new();
    let mut namespace = String::new();
    let mut stack: Vec<Open> = Vec::new();
    let line_of =
        |pos: u64| text.as_bytes()[..(pos as usize).min(text.len())].iter().filter(|b| **b == b'\n').count() + 1;
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| CsdlError { line: line_of(pos), message: e.to_string() })?;
        let (start, empty) = match &event {
            Event::Start(s) => (Some(s), false),
            Event::Empty(s) => (Some(s), true),
            Event::End(_) => {
                close(stack.pop(), &mut model);
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(s) = start else { continue };
        let a = attrs(s).map_err(|message| CsdlError { line: line_of(pos), message })?;
        let get = |k: &str| a.get(k).cloned();
        let need = |k: &str| {
            a.get(k).cloned().ok_or_else(|| CsdlError {
                line: line_of(pos),
                message: format!("<{}> lacks the {k} attribute", s.local_name().as_ref()),
            })
        };
        let qualify = |ns: &str, name: &str| format!("{ns}.{name}");
        let opened = match s.local_name().as_ref() {
            "Schema" => {
                namespace = need("Namespace")?;
                if let Some(alias) = get("Alias") {
                    aliases.insert(alias, namespace.clone());
                }
                Open::Other
            }
            tag @ ("EntityType" | "ComplexType") => Open::Structured(Structured {
                name: qualify(&namespace, &need("Name")?),
                entity: tag == "EntityType",
                base: get("BaseType"),
                is_abstract: get("Abstract").as_deref() == Some("true"),
                open: get("OpenType").as_deref() == Some("true"),
                key: Vec::new(),
                properties: Vec::new(),
                navigations: Vec::new(),
                reference_only: false,
            }),
            "EnumType" => Open::Enum(EnumType {
                name: qualify(&namespace, &need("Name")?),
                flags: get("IsFlags").as_deref() == Some("true"),
                members: Vec::new(),
            }),
            "Member" => {
                if let Some(Open::Enum(e)) = stack.last_mut() {
                    let value = match get("Value") {
                        Some(v) => v.trim().parse::<i64>().map_err(|_| CsdlError {
                            line: line_of(pos),
                            message: format!("enum member value '{v}' is not an integer"),
                        })?,
                        None => e.members.len() as i64,
                    };
                    e.members.push(EnumMember { name: need("Name")?, value });
                }
                Open::Other
            }
            "PropertyRef" => {
                // <Key> sits between the type and its PropertyRefs.
                if let Some(t) = stack.iter_mut().rev().find_map(|o| match o {
                    Open::Structured(t) => Some(t),
                    _ => None,
                }) {
                    t.key.push(need("Name")?);
                }
                Open::Other
            }
            "Property" => {
                if let Some(Open::Structured(t)) = stack.last_mut() {
                    let raw = need("Type")?;
                    let (inner, collection) = split_collection(&raw);
                    t.properties.push(Property {
                        name: need("Name")?,
                        type_name: inner.to_string(),
                        collection,
                        nullable: get("Nullable").as_deref() != Some("false"),
                    });
                }
                Open::Other
            }
            "NavigationProperty" => {
                if let Some(Open::Structured(t)) = stack.last_mut() {
                    let raw = need("Type")?;
                    let (inner, collection) = split_collection(&raw);
                    t.navigations.push(Navigation {
                        name: need("Name")?,
                        target: inner.to_string(),
                        collection,
                        nullable: get("Nullable").as_deref() != Some("false"),
                        contained: get("ContainsTarget").as_deref() == Some("true"),
                    });
                }
                Open::Other
            }
            tag @ ("Function" | "Action") => {
                let bound = get("IsBound").as_deref() == Some("true");
                Open::Operation(
                    Operation {
                        name: need("Name")?,
                        kind: if tag == "Function" { OperationKind::Function } else { OperationKind::Action },
                        binding: TypeRef { type_name: String::new(), collection: false, nullable: true },
                        parameters: Vec::new(),
                        returns: None,
                    },
                    bound,
                )
            }
            "Parameter" => {
                if let Some(Open::Operation(op, bound)) = stack.last_mut() {
                    let raw = need("Type")?;
                    let (inner, collection) = split_collection(&raw);
                    if *bound && op.binding.type_name.is_empty() {
                        op.binding = TypeRef { type_name: inner.to_string(), collection, nullable: true };
                    } else {
                        op.parameters.push(Parameter {
                            name: need("Name")?,
                            type_name: inner.to_string(),
                            collection,
                            nullable: get("Nullable").as_deref() != Some("false"),
                        });
                    }
                }
                Open::Other
            }
            "ReturnType" => {
                if let Some(Open::Operation(op, _)) = stack.last_mut() {
                    let raw = need("Type")?;
                    let (inner, collection) = split_collection(&raw);
                    op.returns = Some(TypeRef {
                        type_name: inner.to_string(),
                        collection,
                        nullable: get("Nullable").as_deref() != Some("false"),
                    });
                }
                Open::Other
            }
            "EntityContainer" => Open::Container,
            tag @ ("EntitySet" | "Singleton") if matches!(stack.last(), Some(Open::Container)) => {
                let type_name = if tag == "EntitySet" { need("EntityType")? } else { need("Type")? };
                model.container.push(ContainerChild {
                    name: need("Name")?,
                    type_name,
                    singleton: tag == "Singleton",
                    bridge: Vec::new(),
                });
                Open::ContainerChild
            }
            "Annotations" | "Annotation" => {
                if !empty {
                    // Annotations hold nothing the model keeps: skip their content.
                    let end = s.to_end().into_owned();
                    reader
                        .read_to_end(end.name())
                        .map_err(|e| CsdlError { line: line_of(pos), message: e.to_string() })?;
                }
                continue;
            }
            _ => Open::Other,
        };
        if empty {
            close(Some(opened), &mut model);
        } else {
            stack.push(opened);
        }
    }
    resolve_aliases(&mut model, &aliases);
    Ok(model)
}

/// Files a finished element into the model.
fn close(open: Option<Open>, model: &mut Model) {
    match open {
        Some(Open::Structured(t)) => {
            model.structured.insert(t.name.clone(), t);
        }
        Some(Open::Enum(e)) => {
            model.enums.insert(e.name.clone(), e);
        }
        Some(Open::Operation(op, true)) if !op.binding.type_name.is_empty() => model.operations.push(op),
        _ => {}
    }
}

/// The attributes of an element, unescaped.
fn attrs(s: &BytesStart<'_>) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for a in s.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = a.key.local_name().as_ref().to_string();
        let value = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?;
        out.insert(key, value.into_owned());
    }
    Ok(out)
}

/// Rewrites `alias.name` to `namespace.name` everywhere a type is named.
fn resolve_aliases(model: &mut Model, aliases: &BTreeMap<String, String>) {
    let fix = |t: &mut String| {
        if let Some((ns, name)) = t.rsplit_once('.')
            && let Some(full) = aliases.get(ns)
        {
            *t = format!("{full}.{name}");
        }
    };
    for t in model.structured.values_mut() {
        if let Some(b) = t.base.as_mut() {
            fix(b);
        }
        t.properties.iter_mut().for_each(|p| fix(&mut p.type_name));
        t.navigations.iter_mut().for_each(|n| fix(&mut n.target));
    }
    for c in &mut model.container {
        fix(&mut c.type_name);
    }
    for op in &mut model.operations {
        fix(&mut op.binding.type_name);
        op.parameters.iter_mut().for_each(|p| fix(&mut p.type_name));
        if let Some(r) = op.returns.as_mut() {
            fix(&mut r.type_name);
        }
    }
}

/// A CSDL document of namespace `g` for unit tests: an abstract `g.entity` keyed by `id`, then
/// `members` (types, operations and the entity container).
#[cfg(test)]
pub fn test_document(members: &str) -> String {
    format!(
        r#"<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>
    <Schema Namespace="g" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id" /></Key><Property Name="id" Type="Edm.String" Nullable="false" /></EntityType>
      {members}
    </Schema></edmx:DataServices></edmx:Edmx>"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">
  <edmx:DataServices>
    <Schema Namespace="example.core" Alias="core" xmlns="http://docs.oasis-open.org/odata/ns/edm">
      <EntityType Name="entity" Abstract="true"><Key><PropertyRef Name="id" /></Key>
        <Property Name="id" Type="Edm.String" Nullable="false" /></EntityType>
      <EntityType Name="root" BaseType="core.entity">
        <NavigationProperty Name="items" Type="Collection(example.core.item)" ContainsTarget="true" />
      </EntityType>
      <EntityType Name="item" BaseType="core.entity" OpenType="true">
        <Property Name="size" Type="Edm.Int32" Nullable="false" />
        <Property Name="tags" Type="Collection(Edm.String)" />
        <Property Name="color" Type="core.color" />
        <Annotation Term="Org.OData.Core.V1.Description" String="ignored &amp; skipped" />
      </EntityType>
      <EnumType Name="color" IsFlags="true"><Member Name="red" Value="1" /><Member Name="unknownFutureValue" Value="2" /><Member Name="blue" Value="4" /></EnumType>
      <Function Name="total" IsBound="true">
        <Parameter Name="bindingParameter" Type="Collection(core.item)" />
        <Parameter Name="since" Type="Edm.DateTimeOffset" Nullable="false" />
        <ReturnType Type="Edm.Int32" Nullable="false" />
      </Function>
      <EntityContainer Name="Service"><Singleton Name="root" Type="core.root" /></EntityContainer>
      <Annotations Target="example.core.item"><Annotation Term="x"><Record /></Annotation></Annotations>
    </Schema>
  </edmx:DataServices>
</edmx:Edmx>"#;

    #[test]
    fn reads_types_enums_operations_and_the_container() {
        let m = parse(SMALL).unwrap();
        let item = m.structured("example.core.item").unwrap();
        assert_eq!(item.base.as_deref(), Some("example.core.entity"), "aliases resolve");
        assert!(item.open);
        assert_eq!(item.properties.len(), 3);
        assert!(item.properties[1].collection && item.properties[1].nullable);
        assert_eq!(item.properties[2].type_name, "example.core.color");
        assert_eq!(m.key_of("example.core.item"), ["id"]);
        assert_eq!(m.all_properties("example.core.item")[0].name, "id");
        let color = m.enum_type("example.core.color").unwrap();
        assert!(color.flags);
        assert_eq!(color.members.iter().map(|x| x.value).collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(m.operations.len(), 1);
        assert_eq!(m.operations[0].binding.type_name, "example.core.item");
        assert!(m.operations[0].binding.collection);
        assert_eq!(m.operations[0].parameters[0].name, "since");
        assert_eq!(m.container[0].type_name, "example.core.root");
        assert!(m.dangling_references().is_empty(), "{:?}", m.dangling_references());
    }

    #[test]
    fn broken_xml_names_its_line() {
        let err = parse("<a>\n<b x=\"1\">\n</a>").unwrap_err();
        assert!(err.line >= 2, "{err}");
    }
}
