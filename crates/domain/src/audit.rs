//! The audit log is a hash chain: each record's hash covers its own fields and the previous
//! record's hash, so altering or removing any record breaks every hash after it.
//!
//! A plain hash chain only proves consistency: whoever can write the database can rewrite a
//! record and recompute every later hash. So the chain is keyed: since epoch 1 each record's
//! hash is an HMAC-SHA256 under an audit key kept outside the database. Keys rotate; each
//! epoch (a key and the first record it covers) is listed in the database by its key id only.
//! Records written before keying (epoch 0) keep their plain SHA-256 hashes. Checkpoints — the
//! chain head signed with an Ed25519 key derived from the audit key — let an operator keep the
//! head elsewhere and let anyone holding the public key check it.

use ed25519_dalek::{Signer, Verifier};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

type HmacSha256 = Hmac<Sha256>;

pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: i64,
    /// UTC instant in the fixed-width text form of `time::format_instant`.
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor_name: String,
    /// The acting user's unit.
    pub unit_id: Option<i64>,
    /// The unit the changed object belongs to, so that a unit sees what others did to it.
    pub subject_unit_id: Option<i64>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub summary: String,
    pub ip: String,
    pub prev_hash: String,
    pub hash: String,
    /// 0 for the unkeyed records written before the chain was keyed; then the key epoch.
    #[serde(default)]
    pub epoch: i64,
}

impl AuditRecord {
    /// The record's fields as a JSON array, so that no separator inside a value can make two
    /// records hash alike; keyed records (epoch 1 on) add their epoch, so that a record cannot
    /// be moved to another epoch.
    fn canonical(&self, keyed: bool) -> String {
        let mut fields = serde_json::json!([
            self.seq,
            self.at,
            self.actor_id,
            self.actor_name,
            self.unit_id,
            self.subject_unit_id,
            self.action,
            self.object_type,
            self.object_id,
            self.summary,
            self.ip,
        ]);
        if keyed && let Some(list) = fields.as_array_mut() {
            list.push(serde_json::json!(self.epoch));
        }
        fields.to_string()
    }

    /// The unkeyed hash of a record of epoch 0 (written before the chain was keyed): SHA-256
    /// over `prev_hash` and the canonical fields.
    pub fn compute_hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.prev_hash.as_bytes());
        h.update(b"\n");
        h.update(self.canonical(false).as_bytes());
        hex::encode(h.finalize())
    }

    /// The keyed hash of a record of epoch 1 or later: HMAC-SHA256 under the epoch's key over
    /// the same encoding with the epoch.
    pub fn compute_keyed_hash(&self, key: &AuditKey) -> String {
        let mut mac = key.mac();
        mac.update(self.prev_hash.as_bytes());
        mac.update(b"\n");
        mac.update(self.canonical(true).as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// A secret key of the audit chain. Never printed: `Debug` shows the key id only.
#[derive(Clone, PartialEq, Eq)]
pub struct AuditKey {
    bytes: Vec<u8>,
    id: String,
}

/// Shortest key accepted, in bytes (the HMAC-SHA256 block of security).
pub const AUDIT_KEY_MIN_BYTES: usize = 32;

impl AuditKey {
    pub fn from_bytes(bytes: &[u8]) -> Result<AuditKey, String> {
        if bytes.len() < AUDIT_KEY_MIN_BYTES {
            return Err(format!("审计密钥至少应有 {AUDIT_KEY_MIN_BYTES} 字节，实际 {} 字节", bytes.len()));
        }
        let mut key = AuditKey { bytes: bytes.to_vec(), id: String::new() };
        let mut mac = key.mac();
        mac.update(b"gongkai-audit-key-id");
        key.id = hex::encode(&mac.finalize().into_bytes()[..8]);
        Ok(key)
    }

    /// The secret bytes, for writing the key file.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A public name of the key (16 hex digits of an HMAC under it), stored in the database
    /// per epoch; it tells which key an epoch needs without revealing the key.
    pub fn id(&self) -> &str {
        &self.id
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.bytes).expect("HMAC takes keys of any length")
    }

    /// The Ed25519 key that signs checkpoints, derived from the audit key so there is no
    /// second secret to keep; its public half can be handed to auditors.
    fn signing_key(&self) -> ed25519_dalek::SigningKey {
        let mut mac = self.mac();
        mac.update(b"gongkai-audit-checkpoint-signing-key");
        let seed: [u8; 32] = mac.finalize().into_bytes().into();
        ed25519_dalek::SigningKey::from_bytes(&seed)
    }

    /// The checkpoint signing key's public half, hex.
    pub fn public_key(&self) -> String {
        hex::encode(self.signing_key().verifying_key().to_bytes())
    }
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.id)
    }
}

/// The keys a node holds: the current one, which new records use, and those of earlier
/// epochs, needed to verify them. Keys are found by key id.
#[derive(Debug, Clone, Default)]
pub struct KeyRing {
    current: Option<AuditKey>,
    keys: HashMap<String, AuditKey>,
}

impl KeyRing {
    pub fn new(current: Option<AuditKey>, older: impl IntoIterator<Item = AuditKey>) -> KeyRing {
        let mut keys: HashMap<String, AuditKey> = older.into_iter().map(|k| (k.id.clone(), k)).collect();
        if let Some(c) = &current {
            keys.insert(c.id.clone(), c.clone());
        }
        KeyRing { current, keys }
    }

    pub fn current(&self) -> Option<&AuditKey> {
        self.current.as_ref()
    }

    pub fn get(&self, key_id: &str) -> Option<&AuditKey> {
        self.keys.get(key_id)
    }

    /// Whether the ring holds keys besides the current one (keys of earlier epochs).
    pub fn has_older_keys(&self) -> bool {
        self.keys.len() > usize::from(self.current.is_some())
    }
}

/// One key epoch as the database lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEpoch {
    pub epoch: i64,
    pub key_id: String,
    /// The first record written under this key.
    pub first_seq: i64,
    #[serde(with = "crate::time::serde_instant")]
    pub started_at: chrono::DateTime<chrono::Utc>,
}

/// The chain head at a moment, signed; one line of JSON that an operator keeps elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: String,
    pub epoch: i64,
    pub key_id: String,
    pub at: String,
    /// Ed25519 public key (hex) of the signer, derived from the epoch's audit key.
    pub public_key: String,
    /// Ed25519 signature (hex) over the fields above.
    pub signature: String,
}

impl Checkpoint {
    fn signed_bytes(seq: i64, hash: &str, epoch: i64, key_id: &str, at: &str) -> Vec<u8> {
        serde_json::json!(["gongkai-audit-checkpoint-v1", seq, hash, epoch, key_id, at]).to_string().into_bytes()
    }

    pub fn sign(seq: i64, hash: &str, epoch: i64, at: &str, key: &AuditKey) -> Checkpoint {
        let signing = key.signing_key();
        let signature = signing.sign(&Checkpoint::signed_bytes(seq, hash, epoch, key.id(), at));
        Checkpoint {
            seq,
            hash: hash.to_string(),
            epoch,
            key_id: key.id().to_string(),
            at: at.to_string(),
            public_key: hex::encode(signing.verifying_key().to_bytes()),
            signature: hex::encode(signature.to_bytes()),
        }
    }

    /// Whether the signature holds under the given public key (hex).
    pub fn signature_valid_for(&self, public_key: &str) -> bool {
        let Ok(pk) = hex::decode(public_key) else { return false };
        let Ok(pk) = <[u8; 32]>::try_from(pk.as_slice()) else { return false };
        let Ok(pk) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else { return false };
        let Ok(sig) = hex::decode(&self.signature) else { return false };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(&sig) else { return false };
        let msg = Checkpoint::signed_bytes(self.seq, &self.hash, self.epoch, &self.key_id, &self.at);
        pk.verify(&msg, &sig).is_ok()
    }

    /// Reads a checkpoint from a line: the JSON itself, a text log line holding it, or a JSON
    /// log line whose `checkpoint` field holds it as a string.
    pub fn parse_line(line: &str) -> Option<Checkpoint> {
        let start = line.find('{')?;
        let end = line.rfind('}')?;
        let value: serde_json::Value = serde_json::from_str(line.get(start..=end)?).ok()?;
        fn find(v: &serde_json::Value) -> Option<Checkpoint> {
            if let Ok(c) = serde_json::from_value::<Checkpoint>(v.clone()) {
                return Some(c);
            }
            match v {
                serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| match v {
                    serde_json::Value::String(s) if k == "checkpoint" => serde_json::from_str(s).ok(),
                    other => find(other),
                }),
                _ => None,
            }
        }
        find(&value)
    }

    /// The one-line JSON form.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a checkpoint serialises")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// A record is missing before this sequence number.
    Gap { expected: i64, found: i64 },
    /// This record does not point to the hash of the record before it.
    Link { seq: i64 },
    /// This record's fields no longer match its hash.
    Altered { seq: i64 },
    /// Records after this one were removed from the end of the log.
    Truncated { last_seq: i64, head_seq: i64 },
    /// This record claims another key epoch than the list of epochs gives for its place.
    Epoch { seq: i64, found: i64, expected: i64 },
    /// The list of epochs itself is out of order (numbers or first records).
    EpochList { epoch: i64 },
    /// An epoch's first record is past the end of the log.
    EpochWithoutRecords { epoch: i64, first_seq: i64, last_seq: i64 },
    /// No key with this id was given, so the records of this epoch could not be checked.
    MissingKey { epoch: i64, key_id: String, first_seq: i64 },
    /// Keys of earlier epochs exist, yet the log has no keyed epoch: keyed records were
    /// turned back into unkeyed ones.
    Unkeyed,
    /// A kept checkpoint no longer matches the log.
    Checkpoint { seq: i64, problem: CheckpointProblem },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointProblem {
    /// The signature does not hold: the checkpoint is not one the platform made.
    Signature,
    /// The log ends before the checkpoint's record.
    Truncated { last_seq: i64 },
    /// The checkpoint's record is gone from the middle of the log.
    Missing,
    /// The record at the checkpoint has another hash or epoch now.
    Rewritten,
}

impl ChainBreak {
    /// The first record concerned, where there is one.
    pub fn seq(&self) -> Option<i64> {
        match self {
            ChainBreak::Gap { expected, .. } => Some(*expected),
            ChainBreak::Link { seq } | ChainBreak::Altered { seq } | ChainBreak::Epoch { seq, .. } => Some(*seq),
            ChainBreak::Truncated { last_seq, .. } => Some(last_seq + 1),
            ChainBreak::EpochWithoutRecords { first_seq, .. } | ChainBreak::MissingKey { first_seq, .. } => {
                Some(*first_seq)
            }
            ChainBreak::Checkpoint { seq, .. } => Some(*seq),
            ChainBreak::EpochList { .. } | ChainBreak::Unkeyed => None,
        }
    }

    /// The same in Chinese, for the console and the command line.
    pub fn zh(&self) -> String {
        match self {
            ChainBreak::Gap { expected, found } => format!("第 {expected} 条记录缺失（其后找到的是第 {found} 条）"),
            ChainBreak::Link { seq } => format!("第 {seq} 条记录与前一条记录的哈希不衔接"),
            ChainBreak::Altered { seq } => format!("第 {seq} 条记录写入后被改动"),
            ChainBreak::Truncated { last_seq, head_seq } => {
                format!("第 {last_seq} 条之后的记录被删除（链头记为第 {head_seq} 条）")
            }
            ChainBreak::Epoch { seq, found, expected } => {
                format!("第 {seq} 条记录的密钥纪元为 {found}，按纪元表应为 {expected}")
            }
            ChainBreak::EpochList { epoch } => format!("密钥纪元表在纪元 {epoch} 处顺序错乱"),
            ChainBreak::EpochWithoutRecords { epoch, first_seq, last_seq } => {
                format!("密钥纪元 {epoch} 应从第 {first_seq} 条开始，但日志只到第 {last_seq} 条")
            }
            ChainBreak::MissingKey { epoch, key_id, first_seq } => {
                format!("缺少密钥纪元 {epoch}（密钥标识 {key_id}，自第 {first_seq} 条起）的审计密钥，无法校验这些记录")
            }
            ChainBreak::Unkeyed => {
                "已有早期纪元的审计密钥，但日志中没有带密钥的纪元：带密钥的记录被改回无密钥形式".into()
            }
            ChainBreak::Checkpoint { seq, problem } => match problem {
                CheckpointProblem::Signature => format!("第 {seq} 条处的检查点签名无效（不是本平台生成的检查点）"),
                CheckpointProblem::Truncated { last_seq } => {
                    format!("保存的检查点记到第 {seq} 条，但日志只到第 {last_seq} 条：记录被截断")
                }
                CheckpointProblem::Missing => format!("保存的检查点所指的第 {seq} 条记录已不存在"),
                CheckpointProblem::Rewritten => format!("第 {seq} 条记录与保存的检查点不符：日志被改写"),
            },
        }
    }
}

impl std::fmt::Display for ChainBreak {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChainBreak::Gap { expected, found } => {
                write!(f, "record {expected} is missing (next record found is {found})")
            }
            ChainBreak::Link { seq } => write!(f, "record {seq} does not link to the record before it"),
            ChainBreak::Altered { seq } => write!(f, "record {seq} was altered after it was written"),
            ChainBreak::Truncated { last_seq, head_seq } => {
                write!(f, "records after {last_seq} were removed (the chain head says {head_seq})")
            }
            ChainBreak::Epoch { seq, found, expected } => {
                write!(f, "record {seq} claims key epoch {found} but the epoch list puts it in epoch {expected}")
            }
            ChainBreak::EpochList { epoch } => write!(f, "the list of key epochs is out of order at epoch {epoch}"),
            ChainBreak::EpochWithoutRecords { epoch, first_seq, last_seq } => {
                write!(f, "key epoch {epoch} starts at record {first_seq} but the log ends at record {last_seq}")
            }
            ChainBreak::MissingKey { epoch, key_id, first_seq } => write!(
                f,
                "no audit key for epoch {epoch} (key id {key_id}, from record {first_seq}): its records cannot be verified"
            ),
            ChainBreak::Unkeyed => {
                write!(f, "keys of earlier epochs exist but the log has no keyed epoch: keyed records were downgraded")
            }
            ChainBreak::Checkpoint { seq, problem } => match problem {
                CheckpointProblem::Signature => write!(f, "the checkpoint at record {seq} has an invalid signature"),
                CheckpointProblem::Truncated { last_seq } => write!(
                    f,
                    "a kept checkpoint names record {seq} but the log ends at record {last_seq}: records were removed"
                ),
                CheckpointProblem::Missing => write!(f, "record {seq} of a kept checkpoint is missing"),
                CheckpointProblem::Rewritten => {
                    write!(f, "record {seq} no longer matches the kept checkpoint: the log was rewritten")
                }
            },
        }
    }
}

/// Walks records in sequence order and checks every link; keeps only the last hash so the log
/// can be streamed. Records of epoch 0 are checked with SHA-256, later ones with their
/// epoch's key; a missing key is noted and reported at the end, after every link is checked.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    next_seq: i64,
    last_hash: String,
    last_epoch: i64,
    epochs: Vec<AuditEpoch>,
    ring: KeyRing,
    missing: Option<ChainBreak>,
}

impl Default for ChainVerifier {
    /// A verifier of an unkeyed log (no epochs, no keys).
    fn default() -> Self {
        ChainVerifier {
            next_seq: 1,
            last_hash: GENESIS_HASH.to_string(),
            last_epoch: 0,
            epochs: Vec::new(),
            ring: KeyRing::default(),
            missing: None,
        }
    }
}

impl ChainVerifier {
    /// A verifier for a log with these epochs (in order), checking with the keys of `ring`.
    pub fn keyed(epochs: Vec<AuditEpoch>, ring: KeyRing) -> Result<ChainVerifier, ChainBreak> {
        let mut first = 0;
        for (i, e) in epochs.iter().enumerate() {
            if e.epoch != i as i64 + 1 || e.first_seq <= first {
                return Err(ChainBreak::EpochList { epoch: e.epoch });
            }
            first = e.first_seq;
        }
        Ok(ChainVerifier { epochs, ring, ..ChainVerifier::default() })
    }

    pub fn feed(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        if record.seq != self.next_seq {
            return Err(ChainBreak::Gap { expected: self.next_seq, found: record.seq });
        }
        if record.prev_hash != self.last_hash {
            return Err(ChainBreak::Link { seq: record.seq });
        }
        let epoch = self.epochs.iter().rev().find(|e| e.first_seq <= record.seq);
        let expected = epoch.map_or(0, |e| e.epoch);
        if record.epoch != expected {
            return Err(ChainBreak::Epoch { seq: record.seq, found: record.epoch, expected });
        }
        match epoch {
            None => {
                if record.compute_hash() != record.hash {
                    return Err(ChainBreak::Altered { seq: record.seq });
                }
            }
            Some(e) => match self.ring.get(&e.key_id) {
                Some(key) => {
                    if record.compute_keyed_hash(key) != record.hash {
                        return Err(ChainBreak::Altered { seq: record.seq });
                    }
                }
                None => {
                    if self.missing.is_none() {
                        self.missing = Some(ChainBreak::MissingKey {
                            epoch: e.epoch,
                            key_id: e.key_id.clone(),
                            first_seq: e.first_seq,
                        });
                    }
                }
            },
        }
        self.next_seq += 1;
        self.last_hash = record.hash.clone();
        self.last_epoch = record.epoch;
        Ok(())
    }

    /// Compares the end of the walk with the chain head kept beside the log.
    pub fn finish(&self, head_seq: i64, head_hash: &str, head_epoch: i64) -> Result<i64, ChainBreak> {
        let last = self.next_seq - 1;
        if last != head_seq || (last > 0 && (head_hash != self.last_hash || head_epoch != self.last_epoch)) {
            return Err(ChainBreak::Truncated { last_seq: last, head_seq });
        }
        if let Some(e) = self.epochs.last().filter(|e| e.first_seq > last) {
            return Err(ChainBreak::EpochWithoutRecords { epoch: e.epoch, first_seq: e.first_seq, last_seq: last });
        }
        if self.epochs.is_empty() && self.ring.has_older_keys() {
            return Err(ChainBreak::Unkeyed);
        }
        if let Some(m) = &self.missing {
            return Err(m.clone());
        }
        Ok(last)
    }
}

/// Whether the checkpoint signed by the platform still matches the log: `record` is the log's
/// record at the checkpoint's seq (if any) and `last_seq` the log's end. The signature is
/// checked against the key of the checkpoint's epoch when the ring has it (`Ok(true)`), else
/// only against the public key it carries (`Ok(false)`); the log is compared either way, so a
/// rewrite or truncation below a kept checkpoint is found even without any key.
pub fn check_checkpoint(
    cp: &Checkpoint,
    record: Option<&AuditRecord>,
    last_seq: i64,
    ring: &KeyRing,
) -> Result<bool, ChainBreak> {
    let bad = |problem| ChainBreak::Checkpoint { seq: cp.seq, problem };
    let known = ring.get(&cp.key_id).map(|k| k.public_key());
    let public_key = known.as_deref().unwrap_or(&cp.public_key);
    if public_key != cp.public_key || !cp.signature_valid_for(public_key) {
        return Err(bad(CheckpointProblem::Signature));
    }
    match record {
        None if cp.seq > last_seq => Err(bad(CheckpointProblem::Truncated { last_seq })),
        None => Err(bad(CheckpointProblem::Missing)),
        Some(r) if r.hash != cp.hash || r.epoch != cp.epoch => Err(bad(CheckpointProblem::Rewritten)),
        Some(_) => Ok(known.is_some()),
    }
}

/// The Chinese name of an audit action code (`document.approve` → 「文件审核通过」), for the
/// lists people read; the code itself stays in the chain. `None` for a code not known here.
pub fn action_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "annual_report.draft" => "生成年度报告稿件",
        "annual_report.save" => "保存年度报告",
        "attachment.add" => "上传附件",
        "attachment.remove" => "删除附件",
        "audit.rotate_key" => "更换审计密钥",
        "calendar.add_year" => "新增年度节假日安排",
        "calendar.replace_year" => "修改年度节假日安排",
        "calendar.delete_year" => "删除年度节假日安排",
        "calendar.set_day" => "设置日期安排",
        "calendar.clear_day" => "清除日期安排",
        "catalogue.instantiate" => "生成公开目录",
        "catalogue.add" => "增加特色事项",
        "catalogue.remove" => "删除特色事项",
        "catalogue.applicable" => "目录事项恢复适用",
        "catalogue.not_applicable" => "目录事项标记未涉及",
        "column.create" => "新建栏目",
        "column.update" => "修改栏目",
        "column.remove" => "删除栏目",
        "demo.disclosure" => "载入演示数据",
        "document.create" => "起草文件",
        "document.update" => "修改草稿",
        "document.submit" => "提交初审",
        "document.approve" => "文件审核通过",
        "document.reject" => "文件退回修改",
        "document.publish_due" => "定时发布",
        "document.revise" => "修订文件",
        "document.discard" => "放弃修订",
        "document.withdraw" => "撤稿",
        "document.mask" => "遮盖个人信息",
        "document.import" => "导入文件",
        "document.validity" => "修改有效性",
        "letter_template.update" => "修改告知书模板",
        "letter_template.reset" => "恢复告知书模板",
        "request.create" => "登记申请",
        "request.confirm" => "确认收到申请",
        "request.clarification" => "告知补正",
        "request.clarification_received" => "收到补正材料",
        "request.consult" => "发起征求意见",
        "request.opinion" => "登记征求意见结果",
        "request.extend" => "延长答复期限",
        "request.excessive_period" => "确定合理答复期限",
        "request.fee_notice" => "通知缴纳信息处理费",
        "request.fee_paid" => "登记缴费",
        "request.reply" => "答复提交审签",
        "request.approve" => "审签通过并答复",
        "request.return" => "退回答复",
        "request.withdraw" => "登记撤回申请",
        "request.archive" => "归档",
        "request.assign" => "指定承办人",
        "request.file_add" => "上传答复材料",
        "request.coordination_answer" => "答复会商协查",
        "request.view_applicant" => "查看申请人信息",
        "request.export" => "导出申请",
        "review_case.create" => "登记复议诉讼",
        "review_case.update" => "修改复议诉讼",
        "standard.import" => "导入事项标准清单",
        "token.create" => "创建 API 令牌",
        "token.revoke" => "吊销 API 令牌",
        "unit.create" => "新建单位",
        "unit.update" => "修改单位信息",
        "unit.rename" => "单位更名",
        "unit.move" => "调整隶属关系",
        "unit.reorder" => "调整单位排序",
        "unit.close" => "撤销单位",
        "user.create" => "开设账号",
        "user.update" => "修改账号",
        "user.password" => "修改密码",
        "user.login" => "登录",
        "user.logout" => "退出登录",
        "wordlist.add" => "词表加词",
        "wordlist.remove" => "词表删词",
        "wordlist.seed" => "载入初始词表",
        _ => return None,
    })
}

/// The Chinese name of the kind of object an audit record is about.
pub fn object_label(kind: &str) -> Option<&'static str> {
    Some(match kind {
        "annual_report" => "年度报告",
        "api_token" => "API 令牌",
        "attachment" => "附件",
        "audit_key" => "审计密钥",
        "calendar_day" => "日期安排",
        "calendar_year" => "年度节假日安排",
        "catalogue_item" => "目录事项",
        "column" => "栏目",
        "demo" => "演示数据",
        "document" => "文件",
        "letter_template" => "告知书模板",
        "request" => "申请",
        "review_case" => "复议诉讼",
        "standard_list" => "事项标准清单",
        "unit" => "单位",
        "user" => "账号",
        "word" => "词条",
        "word_list" => "词表",
        _ => return None,
    })
}

#[cfg(test)]
mod labels_tests {
    #[test]
    fn every_known_action_and_object_has_a_chinese_label() {
        for (code, label) in
            [("document.approve", "文件审核通过"), ("request.reply", "答复提交审签"), ("user.login", "登录")]
        {
            assert_eq!(super::action_label(code), Some(label));
        }
        assert_eq!(super::action_label("document.fly"), None);
        assert_eq!(super::object_label("document"), Some("文件"));
        assert_eq!(super::object_label("spaceship"), None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_string();
        (1..=n)
            .map(|seq| {
                let mut r = AuditRecord {
                    seq,
                    at: format!("2026-01-01T00:00:{seq:02}.000000Z"),
                    actor_id: Some(1),
                    actor_name: "admin".into(),
                    unit_id: Some(1),
                    subject_unit_id: Some(2),
                    action: "unit.rename".into(),
                    object_type: "unit".into(),
                    object_id: seq.to_string(),
                    summary: format!("名称改为 第{seq}号"),
                    ip: "127.0.0.1".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                    epoch: 0,
                };
                r.hash = r.compute_hash();
                prev = r.hash.clone();
                r
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::default();
        for r in records {
            v.feed(r)?;
        }
        v.finish(head_seq, head_hash, 0)
    }

    #[test]
    fn intact_chain_verifies() {
        let c = chain(5);
        assert_eq!(verify(&c, 5, &c[4].hash), Ok(5));
        assert_eq!(verify(&[], 0, GENESIS_HASH), Ok(0));
    }

    #[test]
    fn every_kind_of_tampering_is_found() {
        let c = chain(5);
        let head = c[4].hash.clone();

        let mut altered = c.clone();
        altered[2].summary = "名称改为 别的".into();
        assert_eq!(verify(&altered, 5, &head), Err(ChainBreak::Altered { seq: 3 }));

        // Re-hashing the altered record does not help: the next one no longer links.
        altered[2].hash = altered[2].compute_hash();
        assert_eq!(verify(&altered, 5, &head), Err(ChainBreak::Link { seq: 4 }));

        let mut removed = c.clone();
        removed.remove(1);
        assert_eq!(verify(&removed, 5, &head), Err(ChainBreak::Gap { expected: 2, found: 3 }));

        let truncated = &c[..4];
        assert_eq!(verify(truncated, 5, &head), Err(ChainBreak::Truncated { last_seq: 4, head_seq: 5 }));

        let mut actor_changed = c.clone();
        actor_changed[0].actor_id = Some(2);
        assert_eq!(verify(&actor_changed, 5, &head), Err(ChainBreak::Altered { seq: 1 }));
    }

    #[test]
    fn separators_cannot_forge_equal_hashes() {
        let c = chain(1);
        let mut a = c[0].clone();
        let mut b = c[0].clone();
        a.action = "x".into();
        a.object_type = "yz".into();
        b.action = "xy".into();
        b.object_type = "z".into();
        assert_ne!(a.compute_hash(), b.compute_hash());
    }

    fn key(byte: u8) -> AuditKey {
        AuditKey::from_bytes(&[byte; 32]).unwrap()
    }

    /// Records 1..=n; those from `keyed_from` on are in epoch 1 under `k`.
    fn keyed_chain(n: i64, keyed_from: i64, k: &AuditKey) -> (Vec<AuditRecord>, Vec<AuditEpoch>) {
        let mut records = chain(n);
        rehash(&mut records, 0, |r| if r.seq >= keyed_from { Some(k.clone()) } else { None });
        let epochs = vec![AuditEpoch {
            epoch: 1,
            key_id: k.id().to_string(),
            first_seq: keyed_from,
            started_at: crate::time::parse_instant("2026-01-01T00:00:00.000000Z").unwrap(),
        }];
        (records, epochs)
    }

    /// Recomputes hashes from index `from` on, keyed with what `key_of` gives (the attack).
    fn rehash(records: &mut [AuditRecord], from: usize, key_of: impl Fn(&AuditRecord) -> Option<AuditKey>) {
        let mut prev = if from == 0 { GENESIS_HASH.to_string() } else { records[from - 1].hash.clone() };
        for r in records[from..].iter_mut() {
            r.prev_hash = prev.clone();
            let key = key_of(r);
            r.epoch = if key.is_some() { 1 } else { r.epoch };
            r.hash = match &key {
                Some(k) => r.compute_keyed_hash(k),
                None => r.compute_hash(),
            };
            prev = r.hash.clone();
        }
    }

    fn verify_keyed(records: &[AuditRecord], epochs: &[AuditEpoch], ring: &KeyRing) -> Result<i64, ChainBreak> {
        let mut v = ChainVerifier::keyed(epochs.to_vec(), ring.clone())?;
        for r in records {
            v.feed(r)?;
        }
        let last = records.last();
        v.finish(last.map_or(0, |r| r.seq), last.map_or(GENESIS_HASH, |r| r.hash.as_str()), last.map_or(0, |r| r.epoch))
    }

    #[test]
    fn keyed_chain_verifies_and_resists_recomputation() {
        let k = key(7);
        let ring = KeyRing::new(Some(k.clone()), []);
        let (c, epochs) = keyed_chain(6, 3, &k);
        assert_eq!(verify_keyed(&c, &epochs, &ring), Ok(6));

        // The old attack: rewrite a summary and recompute every later hash with SHA-256.
        let mut sha = c.clone();
        sha[1].summary = "改写".into();
        rehash(&mut sha, 1, |_| None);
        assert_eq!(verify_keyed(&sha, &epochs, &ring), Err(ChainBreak::Altered { seq: 3 }));

        // The same with HMAC under a guessed key.
        let mut guessed = c.clone();
        guessed[3].summary = "改写".into();
        rehash(&mut guessed, 3, |_| Some(key(8)));
        assert_eq!(verify_keyed(&guessed, &epochs, &ring), Err(ChainBreak::Altered { seq: 4 }));

        // Turning keyed records back into unkeyed ones breaks the epoch list, and without the
        // list the keys of earlier epochs give it away.
        let mut downgraded = c.clone();
        for r in downgraded.iter_mut() {
            r.epoch = 0;
        }
        downgraded[4].summary = "改写".into();
        rehash(&mut downgraded, 0, |_| None);
        assert_eq!(verify_keyed(&downgraded, &epochs, &ring), Err(ChainBreak::Epoch { seq: 3, found: 0, expected: 1 }));
        let rotated = KeyRing::new(Some(key(9)), [k.clone()]);
        assert_eq!(verify_keyed(&downgraded, &[], &rotated), Err(ChainBreak::Unkeyed));

        // An epoch list out of order, or one that starts past the end, is found.
        let mut bad = epochs.clone();
        bad[0].epoch = 2;
        assert_eq!(verify_keyed(&c, &bad, &ring), Err(ChainBreak::EpochList { epoch: 2 }));
        let mut past = epochs.clone();
        past.push(AuditEpoch { epoch: 2, key_id: "x".into(), first_seq: 9, started_at: chrono::DateTime::UNIX_EPOCH });
        assert_eq!(
            verify_keyed(&c, &past, &ring),
            Err(ChainBreak::EpochWithoutRecords { epoch: 2, first_seq: 9, last_seq: 6 })
        );
    }

    #[test]
    fn a_missing_key_is_reported_after_the_links_are_checked() {
        let k = key(7);
        let (c, epochs) = keyed_chain(4, 2, &k);
        let without = KeyRing::new(Some(key(9)), []);
        let err = verify_keyed(&c, &epochs, &without).unwrap_err();
        assert_eq!(err, ChainBreak::MissingKey { epoch: 1, key_id: k.id().to_string(), first_seq: 2 });
        assert!(err.to_string().contains(k.id()) && err.zh().contains("缺少密钥纪元 1"));
        // A broken link is still found without the key.
        let mut cut = c.clone();
        cut.remove(2);
        assert_eq!(verify_keyed(&cut, &epochs, &without), Err(ChainBreak::Gap { expected: 3, found: 4 }));
    }

    #[test]
    fn keys_never_show_and_short_keys_are_refused() {
        let k = key(1);
        assert_eq!(k.id().len(), 16);
        assert_ne!(k.id(), key(2).id());
        assert!(!format!("{k:?}").contains("0101"));
        assert!(AuditKey::from_bytes(&[0; 31]).unwrap_err().contains("32"));
    }

    #[test]
    fn checkpoints_sign_parse_and_check() {
        let k = key(7);
        let ring = KeyRing::new(Some(k.clone()), []);
        let (c, _) = keyed_chain(5, 1, &k);
        let cp = Checkpoint::sign(4, &c[3].hash, 1, "2026-01-01T00:00:00.000000Z", &k);
        assert_eq!(cp.public_key, k.public_key());
        for line in [
            cp.to_line(),
            format!("2026-01-01T00:00:00Z  INFO gongkai: audit checkpoint checkpoint={}", cp.to_line()),
            serde_json::json!({"level": "INFO", "fields": {"message": "audit checkpoint", "checkpoint": cp.to_line()}})
                .to_string(),
        ] {
            assert_eq!(Checkpoint::parse_line(&line).as_ref(), Some(&cp), "{line}");
        }
        assert_eq!(Checkpoint::parse_line("no checkpoint here"), None);

        assert_eq!(check_checkpoint(&cp, Some(&c[3]), 5, &ring), Ok(true));
        assert_eq!(check_checkpoint(&cp, Some(&c[3]), 5, &KeyRing::default()), Ok(false), "no key: still checked");
        let mut rewritten = c[3].clone();
        rewritten.hash = "00".into();
        let err = check_checkpoint(&cp, Some(&rewritten), 5, &KeyRing::default()).unwrap_err();
        assert_eq!(err, ChainBreak::Checkpoint { seq: 4, problem: CheckpointProblem::Rewritten });
        assert_eq!(
            check_checkpoint(&cp, None, 3, &ring),
            Err(ChainBreak::Checkpoint { seq: 4, problem: CheckpointProblem::Truncated { last_seq: 3 } })
        );
        // A checkpoint altered or made with another key is refused.
        let mut forged = cp.clone();
        forged.seq = 3;
        assert!(matches!(check_checkpoint(&forged, Some(&c[2]), 5, &ring), Err(ChainBreak::Checkpoint { .. })));
        let other = Checkpoint::sign(4, &c[3].hash, 1, "2026-01-01T00:00:00.000000Z", &key(8));
        let mut claimed = other.clone();
        claimed.key_id = k.id().to_string();
        assert_eq!(
            check_checkpoint(&claimed, Some(&c[3]), 5, &ring),
            Err(ChainBreak::Checkpoint { seq: 4, problem: CheckpointProblem::Signature })
        );
    }
}
