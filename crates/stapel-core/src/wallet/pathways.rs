//! The wallet's pathways as pathways: the store keeps each as the JSON it was added from
//! ([`crate::store::PathwayRecord`]); here that JSON is read with [`stacking::parse_pathway`],
//! and a pathway is stored under the id and name it states. A stored pathway that no longer
//! parses is a damaged wallet. A personal goal ([`stacking::personal_goal`]) is stored here
//! under an id no stored pathway has ([`add_personal_goal`]).

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::progress::WalletStackingError;
use crate::stacking::{self, GoalRequest, Pathway, StackingError, goal};
use crate::store::{StoreError, Wallet};

/// A pathway as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredPathway {
    pub pathway: Pathway,
    /// The JSON it was added from, verbatim.
    #[serde(skip)]
    pub json: String,
    /// The file name it was added from.
    pub source: String,
    pub added_at: String,
}

impl Wallet {
    /// Stores a pathway (already parsed and validated from `json`); a pathway with the same id
    /// is replaced. Returns `true` when one was replaced.
    pub fn add_pathway(
        &mut self,
        pathway: &Pathway,
        json: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.add_pathway_json(&pathway.id, &pathway.target.name, json, source, now)
    }

    /// Every stored pathway, by id.
    pub fn pathways(&self) -> Result<Vec<StoredPathway>, StoreError> {
        self.pathway_records()?
            .into_iter()
            .map(|r| {
                let pathway = stacking::parse_pathway(&r.id, r.json.as_bytes())
                    .map_err(|err| StoreError::Corrupt(format!("the stored pathway {} does not parse: {err}", r.id)))?;
                Ok(StoredPathway { pathway, json: r.json, source: r.source, added_at: r.added_at })
            })
            .collect()
    }

    /// One stored pathway by its id.
    pub fn pathway(&self, id: &str) -> Result<StoredPathway, StoreError> {
        self.pathways()?
            .into_iter()
            .find(|p| p.pathway.id == id)
            .ok_or_else(|| StoreError::UnknownPathway(id.to_string()))
    }
}

/// Makes the goal, gives it an id no stored pathway has (from its name), and stores it.
pub fn add_personal_goal(
    wallet: &mut Wallet,
    request: &GoalRequest,
    now: DateTime<Utc>,
) -> Result<Pathway, WalletStackingError> {
    let taken: std::collections::HashSet<String> = wallet.pathways()?.into_iter().map(|p| p.pathway.id).collect();
    let base = goal::slug(&request.name);
    let id = std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(|id| !taken.contains(id))
        .unwrap_or(base);
    let pathway = stacking::personal_goal(&id, request)?;
    let json = serde_json::to_string_pretty(&pathway).map_err(|e| StackingError::Syntax {
        file: goal::WHAT.into(),
        field: None,
        message: e.to_string(),
    })?;
    wallet.add_pathway(&pathway, &json, "personal goal", now)?;
    Ok(pathway)
}
