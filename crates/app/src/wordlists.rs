//! The lists of sensitive words and wrong expressions the pre-publication checks use, kept by
//! system administrators.

use crate::{Context, Error, Principal};
use gongkai_domain::staff::{Action, Reach};
use gongkai_domain::wordcheck::WordEntry;
use gongkai_store::wordlists::StoredWord;

/// Both lists, by kind and word.
pub async fn words(cx: &Context, p: &Principal) -> Result<Vec<StoredWord>, Error> {
    p.require(Action::ManageWordLists, Reach::Global)?;
    Ok(cx.store.words().await?)
}

pub async fn add_word(cx: &Context, p: &Principal, kind: &str, word: &str, suggestion: &str) -> Result<i64, Error> {
    p.require(Action::ManageWordLists, Reach::Global)?;
    let entry = WordEntry::parse(kind, word, suggestion)?;
    let mut w = cx.store.write(p.actor()).await?;
    let id = w.word_add(&entry).await?;
    w.commit().await?;
    Ok(id)
}

pub async fn remove_word(cx: &Context, p: &Principal, id: i64) -> Result<(), Error> {
    p.require(Action::ManageWordLists, Reach::Global)?;
    let mut w = cx.store.write(p.actor()).await?;
    w.word_remove(id).await?;
    w.commit().await?;
    Ok(())
}
