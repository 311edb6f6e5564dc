//! Reading a row by column name, with stored codes, dates and instants parsed on the way. A
//! value the program does not know (a code no list has, a date that is not one) is a
//! [`StoreError::Stored`] naming the table, the column and the value: never dropped, never
//! replaced by a default.

use crate::error::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use gongkai_domain::time::{parse_date, parse_instant};
use sqlx::any::AnyRow;
use sqlx::{Any, Row};

/// A row of `table` (the table named in errors; a query over several names the main one).
#[derive(Clone, Copy)]
pub struct Named<'r> {
    row: &'r AnyRow,
    table: &'static str,
}

impl<'r> Named<'r> {
    pub fn new(row: &'r AnyRow, table: &'static str) -> Self {
        Named { row, table }
    }

    fn stored(&self, column: &str, value: impl Into<String>) -> StoreError {
        StoreError::Stored { table: self.table, column: column.to_string(), value: value.into() }
    }

    /// The column's value as it is.
    pub fn get<T>(&self, column: &str) -> Result<T>
    where
        T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
    {
        Ok(self.row.try_get(column)?)
    }

    /// A code of a list, parsed with `parse` (the list's `from_code` or `parse`).
    pub fn code<T>(&self, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
        let raw: String = self.get(column)?;
        parse(&raw).ok_or_else(|| self.stored(column, raw))
    }

    /// One code of a list of codes stored together in `column` (such as `a,b,c`).
    pub fn code_in<T>(&self, column: &str, raw: &str, parse: impl Fn(&str) -> Option<T>) -> Result<T> {
        parse(raw).ok_or_else(|| self.stored(column, raw))
    }

    /// A code that may be NULL.
    pub fn code_opt<T>(&self, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
        let raw: Option<String> = self.get(column)?;
        raw.map(|raw| parse(&raw).ok_or_else(|| self.stored(column, raw))).transpose()
    }

    /// A code that may be empty (or NULL) for none; any other unknown text is an error.
    pub fn code_or_empty<T>(&self, column: &str, parse: impl Fn(&str) -> Option<T>) -> Result<Option<T>> {
        let raw: Option<String> = self.get(column)?;
        match raw {
            None => Ok(None),
            Some(raw) if raw.is_empty() => Ok(None),
            Some(raw) => parse(&raw).map(Some).ok_or_else(|| self.stored(column, raw)),
        }
    }

    /// A calendar date stored as `YYYY-MM-DD`.
    pub fn date(&self, column: &str) -> Result<NaiveDate> {
        self.date_opt(column)?.ok_or_else(|| self.stored(column, "NULL"))
    }

    pub fn date_opt(&self, column: &str) -> Result<Option<NaiveDate>> {
        let raw: Option<String> = self.get(column)?;
        raw.map(|raw| parse_date(&raw).ok_or_else(|| self.stored(column, raw))).transpose()
    }

    /// An instant stored in UTC as `gongkai_domain::time::format_instant` writes it.
    pub fn instant(&self, column: &str) -> Result<DateTime<Utc>> {
        self.instant_opt(column)?.ok_or_else(|| self.stored(column, "NULL"))
    }

    pub fn instant_opt(&self, column: &str) -> Result<Option<DateTime<Utc>>> {
        let raw: Option<String> = self.get(column)?;
        raw.map(|raw| parse_instant(&raw).ok_or_else(|| self.stored(column, raw))).transpose()
    }

    /// A yes/no stored as 0 or 1.
    pub fn flag(&self, column: &str) -> Result<bool> {
        Ok(self.get::<i64>(column)? != 0)
    }

    /// A count or a sum (NULL when nothing was summed).
    pub fn count(&self, column: &str) -> Result<u64> {
        let n: Option<i64> = self.get(column)?;
        let n = n.unwrap_or(0);
        u64::try_from(n).map_err(|_| self.stored(column, n.to_string()))
    }

    /// A JSON value.
    pub fn json<T: serde::de::DeserializeOwned>(&self, column: &str) -> Result<T> {
        let raw: String = self.get(column)?;
        serde_json::from_str(&raw).map_err(|e| self.stored(column, format!("{e}: {raw}")))
    }
}

/// One page of a list and how many the list holds in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows of the page, in the list's order.
    pub items: Vec<T>,
    /// How many rows match the filters, over all pages.
    pub total: i64,
}
