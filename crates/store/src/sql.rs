//! A small builder for queries whose WHERE clause depends on the filters given.
//!
//! sqlx's `QueryBuilder` asks the database type for placeholder syntax, and the `Any` driver
//! cannot know it before a connection is chosen; both our dialects accept `$n`, so this
//! builder numbers the placeholders itself and keeps the values beside them.

use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

#[derive(Debug, Clone)]
pub enum Value {
    Int(i64),
    Text(String),
}

#[derive(Debug, Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(text: &str) -> Self {
        Sql { text: text.to_string(), values: Vec::new() }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Self {
        self.values.push(value.into());
        self.text.push('$');
        self.text.push_str(&self.values.len().to_string());
        self
    }

    /// Appends `(v1, v2, …)`, each a placeholder, for an `IN` list; callers refuse an empty list.
    pub fn bind_list<V: Into<Value>>(&mut self, values: impl IntoIterator<Item = V>) -> &mut Self {
        self.text.push('(');
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(v);
        }
        self.text.push(')');
        self
    }

    /// Adds a value without text and returns its placeholder, for a value used more than once.
    pub fn param(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    /// The bound values, to bind again to a second statement with the same WHERE clause.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for v in &self.values {
            q = match v {
                Value::Int(i) => q.bind(*i),
                Value::Text(s) => q.bind(s.as_str()),
            };
        }
        q
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}

/// Escapes `%`, `_` and the escape character itself for a `LIKE ... ESCAPE '\'` pattern, so
/// that a search for "50%" finds "50%" and not everything.
pub fn like_contains(needle: &str) -> String {
    let mut out = String::with_capacity(needle.len() + 2);
    out.push('%');
    for c in needle.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_placeholders_in_order() {
        let mut q = Sql::new("SELECT 1 FROM t WHERE 1 = 1");
        q.push(" AND a = ").bind(5).push(" AND b LIKE ").bind("x");
        assert_eq!(q.text(), "SELECT 1 FROM t WHERE 1 = 1 AND a = $1 AND b LIKE $2");
        assert_eq!(like_contains("50%_a\\"), "%50\\%\\_a\\\\%");
        let mut q = Sql::new("SELECT 1 FROM t WHERE a = ");
        q.bind(1).push(" AND id IN ").bind_list([7, 8, 9]);
        assert_eq!(q.text(), "SELECT 1 FROM t WHERE a = $1 AND id IN ($2, $3, $4)");
    }
}
