//! The matcher: assigns indivisible credentials to requirement groups, each credential to at
//! most one group, and never a container together with anything it contains (decision 0045),
//! so that the most required credits are fulfilled. It works on plain integers (values in
//! hundredths of a study hour) and knows nothing of credentials or files; the design
//! (pre-assignment, greedy start, max-flow bound, branch and bound with a node budget) is
//! explained in `docs/pathways.md` ("How credentials are matched").

use serde::Serialize;

/// A requirement group as the matcher sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Needs `required` (> 0) units from the items assigned to it; more is no better.
    Credits { required: i64 },
    /// Needs one item; fulfilling it is worth `credits` units (may be 0).
    Achievement { credits: i64 },
}

/// One credential as the matcher sees it: its value and the groups it may go to (group
/// indices, ascending, without repeats).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub value: i64,
    pub groups: Vec<usize>,
    /// The item whose own value already covers this one (a CLR that states its credits, for an
    /// achievement credential it carries), if any. An item and any item above it on this chain
    /// never both count: either the container, or any of what it contains. An index out of
    /// range, the item itself or a link closing a cycle is ignored.
    pub part_of: Option<usize>,
}

impl Item {
    /// An item that is part of nothing.
    pub fn new(value: i64, groups: Vec<usize>) -> Self {
        Item { value, groups, part_of: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub needs: Vec<Need>,
    pub items: Vec<Item>,
}

/// The best assignment found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Solution {
    /// For each item, the group it counts for (or none).
    pub assignment: Vec<Option<usize>>,
    /// Required units fulfilled: per credit group `min(assigned, required)`, per fulfilled
    /// achievement group its credits.
    pub fulfilled: i64,
    /// Achievement groups fulfilled.
    pub achievements: u32,
    /// An upper bound on `fulfilled` over all assignments: the smaller of the fractional
    /// max-flow plus every achievement group that has a candidate, and the most each item could
    /// bring on its own (its value, or an achievement group's credits), containers and their
    /// parts not both. `fulfilled <= upper_bound` always.
    pub upper_bound: i64,
    /// True when no assignment fulfils more (search finished, or the bound was reached).
    pub proven_optimal: bool,
    /// Search nodes visited.
    pub nodes: u64,
}

/// Default node budget: enough to finish small and medium wallets exactly, small enough that
/// huge inputs return in well under a second with the best assignment found so far.
pub const DEFAULT_NODE_BUDGET: u64 = 200_000;

struct State<'a> {
    p: &'a Problem,
    links: &'a Links,
    k: i128,
    /// Units assigned per credit group / items assigned per achievement group.
    sum: Vec<i64>,
    assignment: Vec<Option<usize>>,
    /// Per item, how many of its relatives (containers above it, parts below it) are assigned;
    /// an item with a count above 0 cannot be assigned.
    blocked: Vec<u32>,
}

impl State<'_> {
    fn live(&self, g: usize) -> bool {
        match self.p.needs[g] {
            Need::Credits { required } => self.sum[g] < required,
            Need::Achievement { .. } => self.sum[g] == 0,
        }
    }

    /// The gain in score of putting `item` into `g`.
    fn gain(&self, item: usize, g: usize) -> i128 {
        match self.p.needs[g] {
            Need::Credits { required } => {
                let v = self.p.items[item].value;
                let before = self.sum[g].min(required);
                let after = (self.sum[g] + v).min(required);
                i128::from(after - before) * self.k
            }
            Need::Achievement { credits } => {
                if self.sum[g] == 0 {
                    i128::from(credits) * self.k + 1
                } else {
                    0
                }
            }
        }
    }

    fn put(&mut self, item: usize, g: usize) {
        self.sum[g] += match self.p.needs[g] {
            Need::Credits { .. } => self.p.items[item].value,
            Need::Achievement { .. } => 1,
        };
        self.assignment[item] = Some(g);
        for &r in &self.links.relatives[item] {
            self.blocked[r] += 1;
        }
    }

    fn take(&mut self, item: usize, g: usize) {
        self.sum[g] -= match self.p.needs[g] {
            Need::Credits { .. } => self.p.items[item].value,
            Need::Achievement { .. } => 1,
        };
        self.assignment[item] = None;
        for &r in &self.links.relatives[item] {
            self.blocked[r] -= 1;
        }
    }

    /// Puts the state back to `assignment` (which must respect the exclusions).
    fn reset_to(&mut self, assignment: &[Option<usize>]) {
        self.sum.iter_mut().for_each(|s| *s = 0);
        self.blocked.iter_mut().for_each(|b| *b = 0);
        self.assignment.iter_mut().for_each(|a| *a = None);
        for (i, a) in assignment.iter().enumerate() {
            if let Some(g) = *a {
                self.put(i, g);
            }
        }
    }

    /// Live groups an item could still add something to (none while a relative is assigned).
    fn options(&self, item: usize) -> impl Iterator<Item = usize> + '_ {
        let it = &self.p.items[item];
        let free = self.blocked[item] == 0;
        it.groups.iter().copied().filter(move |&g| {
            free && self.live(g) && (matches!(self.p.needs[g], Need::Achievement { .. }) || it.value > 0)
        })
    }
}

fn score_of(p: &Problem, assignment: &[Option<usize>], k: i128) -> (i128, i64, u32) {
    let mut sum = vec![0i64; p.needs.len()];
    for (i, a) in assignment.iter().enumerate() {
        if let Some(g) = *a {
            sum[g] += match p.needs[g] {
                Need::Credits { .. } => p.items[i].value,
                Need::Achievement { .. } => 1,
            };
        }
    }
    let (mut score, mut fulfilled, mut ach) = (0i128, 0i64, 0u32);
    for (g, need) in p.needs.iter().enumerate() {
        match *need {
            Need::Credits { required } => {
                let c = sum[g].min(required);
                fulfilled += c;
                score += i128::from(c) * k;
            }
            Need::Achievement { credits } => {
                if sum[g] > 0 {
                    fulfilled += credits;
                    ach += 1;
                    score += i128::from(credits) * k + 1;
                }
            }
        }
    }
    (score, fulfilled, ach)
}

/// The containment links between items, checked: each item's container, its relatives (every
/// item above it on the chain and every item below it), and the families (items linked to at
/// least one other), each listed deepest first.
struct Links {
    parent: Vec<Option<usize>>,
    relatives: Vec<Vec<usize>>,
    families: Vec<Vec<usize>>,
    family_of: Vec<Option<usize>>,
}

impl Links {
    fn of(items: &[Item]) -> Links {
        let n = items.len();
        let mut parent: Vec<Option<usize>> =
            items.iter().enumerate().map(|(i, it)| it.part_of.filter(|&p| p < n && p != i)).collect();
        // Cut the link that closes a cycle (0: not seen, 1: on the current walk, 2: done).
        let mut color = vec![0u8; n];
        for start in 0..n {
            let mut walk = Vec::new();
            let mut x = start;
            while color[x] == 0 {
                color[x] = 1;
                walk.push(x);
                match parent[x] {
                    Some(p) if color[p] == 1 => {
                        parent[x] = None;
                        break;
                    }
                    Some(p) => x = p,
                    None => break,
                }
            }
            for x in walk {
                color[x] = 2;
            }
        }
        let mut relatives = vec![Vec::new(); n];
        let mut depth = vec![0usize; n];
        let mut root = (0..n).collect::<Vec<usize>>();
        for i in 0..n {
            let mut at = parent[i];
            while let Some(a) = at {
                relatives[i].push(a);
                relatives[a].push(i);
                depth[i] += 1;
                root[i] = a;
                at = parent[a];
            }
        }
        for r in &mut relatives {
            r.sort_unstable();
        }
        let mut family_of = vec![None; n];
        let mut families: Vec<Vec<usize>> = Vec::new();
        let mut family_of_root = std::collections::BTreeMap::new();
        for i in 0..n {
            if relatives[i].is_empty() {
                continue;
            }
            let f = *family_of_root.entry(root[i]).or_insert_with(|| {
                families.push(Vec::new());
                families.len() - 1
            });
            families[f].push(i);
            family_of[i] = Some(f);
        }
        for members in &mut families {
            members.sort_by_key(|&i| (std::cmp::Reverse(depth[i]), i));
        }
        Links { parent, relatives, families, family_of }
    }

    /// The most a family can bring when each member may bring `own(member)`: per member, the
    /// larger of its own and what its parts together can bring. `child_sum` is scratch space
    /// (one entry per item, left at zero).
    fn family_best(&self, f: usize, own: impl Fn(usize) -> i128, child_sum: &mut [i128]) -> i128 {
        let mut total = 0i128;
        for &x in &self.families[f] {
            let best = own(x).max(child_sum[x]);
            child_sum[x] = 0;
            match self.parent[x] {
                Some(p) => child_sum[p] += best,
                None => total += best,
            }
        }
        total
    }
}

/// What an item can bring at most, in score units: its value (if it fits a credit group) or
/// the worth of an achievement group it fits, whichever is more.
fn item_worth(p: &Problem, it: &Item, k: i128) -> i128 {
    it.groups
        .iter()
        .map(|&g| match p.needs[g] {
            Need::Credits { .. } => i128::from(it.value.max(0)) * k,
            Need::Achievement { credits } => i128::from(credits) * k + 1,
        })
        .max()
        .unwrap_or(0)
}

/// Finds the assignment that fulfils the most required units; among equally good ones, more
/// fulfilled achievement groups win. An item is never assigned together with an item on its
/// `part_of` chain. Deterministic for a given problem: items are considered in their given
/// order where order matters, so callers sort them by a stable key first.
pub fn solve(p: &Problem, node_budget: u64) -> Solution {
    // Group lists out of range, unsorted or repeated are tidied rather than trusted.
    let tidy;
    let p = if p
        .items
        .iter()
        .all(|it| it.groups.windows(2).all(|w| w[0] < w[1]) && it.groups.iter().all(|&g| g < p.needs.len()))
    {
        p
    } else {
        tidy = Problem {
            needs: p.needs.clone(),
            items: p
                .items
                .iter()
                .map(|it| {
                    let mut groups: Vec<usize> = it.groups.iter().copied().filter(|&g| g < p.needs.len()).collect();
                    groups.sort_unstable();
                    groups.dedup();
                    Item { value: it.value, groups, part_of: it.part_of }
                })
                .collect(),
        };
        &tidy
    };
    let links = Links::of(&p.items);
    let n_ach = p.needs.iter().filter(|n| matches!(n, Need::Achievement { .. })).count();
    let k = n_ach as i128 + 1;
    let mut st = State {
        p,
        links: &links,
        k,
        sum: vec![0; p.needs.len()],
        assignment: vec![None; p.items.len()],
        blocked: vec![0; p.items.len()],
    };

    // Step 1: items with only one live use go there; repeat until nothing changes. Larger
    // items first, so that a group that fills up is filled by fewer credentials. An item with
    // a container or parts is left to the search: leaving it out may let a relative count.
    let mut by_value: Vec<usize> = (0..p.items.len()).collect();
    by_value.sort_by(|&a, &b| p.items[b].value.cmp(&p.items[a].value).then(a.cmp(&b)));
    let mut decided = vec![false; p.items.len()];
    loop {
        let mut changed = false;
        for &i in &by_value {
            if decided[i] {
                continue;
            }
            let opts: Vec<usize> = st.options(i).take(2).collect();
            match opts.as_slice() {
                [] => {
                    decided[i] = true;
                    changed = true;
                }
                [g] if links.relatives[i].is_empty() => {
                    st.put(i, *g);
                    decided[i] = true;
                    changed = true;
                }
                _ => {}
            }
        }
        if !changed {
            break;
        }
    }
    let rest: Vec<usize> = by_value.iter().copied().filter(|&i| !decided[i]).collect();

    // Step 2: the upper bound on what any assignment can reach: the flow bound with every
    // achievement group that has a candidate, or what the items could bring one by one
    // (containers and their parts not both), whichever is smaller.
    let flow = credit_flow(p, &links);
    let mut flow_bound = flow;
    let mut flow_score = i128::from(flow) * k;
    let mut has_candidate = vec![false; p.needs.len()];
    for it in &p.items {
        for &g in &it.groups {
            has_candidate[g] = true;
        }
    }
    for (g, need) in p.needs.iter().enumerate() {
        if let Need::Achievement { credits } = *need
            && has_candidate[g]
        {
            flow_bound += credits;
            flow_score += i128::from(credits) * k + 1;
        }
    }
    let worth: Vec<i128> = p.items.iter().map(|it| item_worth(p, it, k)).collect();
    let mut child_sum = vec![0i128; p.items.len()];
    let mut items_score = (0..p.items.len()).filter(|&i| links.family_of[i].is_none()).map(|i| worth[i]).sum::<i128>();
    for f in 0..links.families.len() {
        items_score += links.family_best(f, |i| worth[i], &mut child_sum);
    }
    // In units, the item bound is the score bound without the achievements' tie-break.
    let items_bound = i64::try_from(items_score / k).unwrap_or(i64::MAX);
    let upper_bound = flow_bound.min(items_bound);
    let ub_score = flow_score.min(items_score);

    // Step 3: greedy start on the rest.
    let base = st.assignment.clone();
    greedy(&mut st, &rest);
    let mut best = st.assignment.clone();
    let (mut best_score, _, _) = score_of(p, &best, k);

    // Step 4: branch and bound over the rest, from the pre-assigned state.
    st.reset_to(&base);
    let mut nodes = 0u64;
    let mut finished = true;
    if best_score < ub_score && !rest.is_empty() {
        finished =
            branch_and_bound(&mut st, &rest, &worth, node_budget, &mut nodes, &mut best, &mut best_score, ub_score);
    }
    let (_, fulfilled, achievements) = score_of(p, &best, k);
    Solution {
        assignment: best,
        fulfilled,
        achievements,
        upper_bound,
        proven_optimal: finished || best_score >= ub_score,
        nodes,
    }
}

fn greedy(st: &mut State<'_>, rest: &[usize]) {
    let p = st.p;
    let mut done = vec![false; p.items.len()];
    // Achievement groups first: the candidate with the fewest other uses, then the smallest.
    for (g, need) in p.needs.iter().enumerate() {
        if !matches!(need, Need::Achievement { .. }) || !st.live(g) {
            continue;
        }
        let pick = rest
            .iter()
            .copied()
            .filter(|&i| !done[i] && st.blocked[i] == 0 && p.items[i].groups.contains(&g))
            .min_by_key(|&i| (st.options(i).count(), p.items[i].value, i));
        if let Some(i) = pick {
            st.put(i, g);
            done[i] = true;
        }
    }
    // Then credits: items with the fewest uses first, larger first; each to the live group
    // with the largest remaining need.
    let mut order: Vec<usize> = rest.iter().copied().filter(|&i| !done[i]).collect();
    order.sort_by_key(|&i| (p.items[i].groups.len(), -p.items[i].value, i));
    for i in order {
        let mut pick: Option<(i64, usize)> = None;
        for g in st.options(i).collect::<Vec<_>>() {
            if let Need::Credits { required } = p.needs[g] {
                let left = required - st.sum[g];
                if pick.is_none_or(|(l, _)| left > l) {
                    pick = Some((left, g));
                }
            }
        }
        if let Some((_, g)) = pick {
            st.put(i, g);
        }
    }
    // Repair: an item a group does not need (the group stays full without it) moves to a
    // group it fits that still has room. Each move strictly raises the score.
    let mut moved = true;
    let mut passes = 0;
    while moved && passes < 8 {
        moved = false;
        passes += 1;
        for &i in rest {
            let Some(g) = st.assignment[i] else { continue };
            let Need::Credits { required } = p.needs[g] else {
                continue;
            };
            let v = p.items[i].value;
            if st.sum[g] - v < required {
                continue;
            }
            let mut pick: Option<(i64, usize)> = None;
            for &h in &p.items[i].groups {
                if let Need::Credits { required: rh } = p.needs[h] {
                    let room = rh - st.sum[h];
                    if h != g && room > 0 && pick.is_none_or(|(r, _)| room > r) {
                        pick = Some((room, h));
                    }
                }
            }
            if let Some((_, h)) = pick {
                st.take(i, g);
                st.put(i, h);
                moved = true;
            }
        }
    }
}

/// What the undecided items can still bring, kept up to date as the search decides and
/// assigns items. An item is "open" while it is undecided and none of its relatives is
/// assigned; only open items are counted.
struct Open<'a> {
    p: &'a Problem,
    links: &'a Links,
    /// Per item: open; undecided; fits a credit group; its worth in score units.
    open: Vec<bool>,
    undecided: Vec<bool>,
    fits_credit: Vec<bool>,
    worth: &'a [i128],
    /// Per group, what the open items could give it (units for a credit group, items for an
    /// achievement group).
    avail: Vec<i64>,
    /// Open items on their own: their values (credit side) and their worth (score).
    single_value: i128,
    single_worth: i128,
    /// Per family, the most its open members could bring (value, worth), and the sums.
    family: Vec<(i128, i128)>,
    family_value: i128,
    family_worth: i128,
    dirty: Vec<bool>,
    dirty_list: Vec<usize>,
    scratch: Vec<i128>,
}

impl Open<'_> {
    /// Brings `open[i]` in line with whether `i` is undecided and unblocked.
    fn sync(&mut self, i: usize, blocked: &[u32]) {
        let want = self.undecided[i] && blocked[i] == 0;
        if want == self.open[i] {
            return;
        }
        self.open[i] = want;
        let sign = if want { 1 } else { -1 };
        let it = &self.p.items[i];
        for &g in &it.groups {
            self.avail[g] += sign
                * match self.p.needs[g] {
                    Need::Credits { .. } => it.value,
                    Need::Achievement { .. } => 1,
                };
        }
        match self.links.family_of[i] {
            Some(f) => {
                if !self.dirty[f] {
                    self.dirty[f] = true;
                    self.dirty_list.push(f);
                }
            }
            None => {
                if self.fits_credit[i] {
                    self.single_value += i128::from(sign * it.value);
                }
                self.single_worth += i128::from(sign) * self.worth[i];
            }
        }
    }

    /// The most the open items could bring on the credit side (units), and in score in all.
    fn totals(&mut self) -> (i128, i128) {
        while let Some(f) = self.dirty_list.pop() {
            self.dirty[f] = false;
            let (open, fits, value) = (&self.open, &self.fits_credit, &self.p.items);
            let v = self.links.family_best(
                f,
                |i| {
                    if open[i] && fits[i] { i128::from(value[i].value) } else { 0 }
                },
                &mut self.scratch,
            );
            let worth = self.worth;
            let w = self.links.family_best(f, |i| if open[i] { worth[i] } else { 0 }, &mut self.scratch);
            let (ov, ow) = self.family[f];
            self.family[f] = (v, w);
            self.family_value += v - ov;
            self.family_worth += w - ow;
        }
        (self.single_value + self.family_value, self.single_worth + self.family_worth)
    }
}

/// Depth-first branch and bound with an explicit stack. Returns true when the whole tree was
/// searched (or cut by the bound), false when the node budget ran out first.
#[allow(clippy::too_many_arguments)]
fn branch_and_bound(
    st: &mut State<'_>,
    rest: &[usize],
    worth: &[i128],
    budget: u64,
    nodes: &mut u64,
    best: &mut Vec<Option<usize>>,
    best_score: &mut i128,
    ub_score: i128,
) -> bool {
    let p = st.p;
    let links = st.links;
    let k = st.k;
    let n = rest.len();
    let mut open = Open {
        p,
        links,
        open: vec![false; p.items.len()],
        undecided: vec![false; p.items.len()],
        fits_credit: p
            .items
            .iter()
            .map(|it| it.groups.iter().any(|&g| matches!(p.needs[g], Need::Credits { .. })))
            .collect(),
        worth,
        avail: vec![0; p.needs.len()],
        single_value: 0,
        single_worth: 0,
        family: vec![(0, 0); links.families.len()],
        family_value: 0,
        family_worth: 0,
        dirty: vec![false; links.families.len()],
        dirty_list: Vec::new(),
        scratch: vec![0; p.items.len()],
    };
    for &i in rest {
        open.undecided[i] = true;
        open.sync(i, &st.blocked);
    }
    let mut cur = score_of(p, &st.assignment, k).0;

    // Frame per depth: the options of rest[d] (groups, then "none"), and which one is applied.
    struct Frame {
        options: Vec<Option<usize>>,
        next: usize,
        applied: Option<usize>,
    }
    let mut stack: Vec<Frame> = Vec::with_capacity(n);
    let mut entering = true;
    loop {
        let d = stack.len();
        if entering {
            *nodes += 1;
            if *nodes > budget {
                return false;
            }
            // Bound at this node: what the groups could still take from the open items,
            // capped by what those items could bring at all.
            let mut credit_room = 0i64;
            let mut ach_room = 0i128;
            for (g, need) in p.needs.iter().enumerate() {
                match *need {
                    Need::Credits { required } => {
                        credit_room += (required - st.sum[g]).max(0).min(open.avail[g]);
                    }
                    Need::Achievement { credits } => {
                        if st.sum[g] == 0 && open.avail[g] > 0 {
                            ach_room += i128::from(credits) * k + 1;
                        }
                    }
                }
            }
            let (remaining_value, remaining_worth) = open.totals();
            let by_groups = i128::from(credit_room).min(remaining_value) * k + ach_room;
            let bound = cur + by_groups.min(remaining_worth);
            if d == n || bound <= *best_score {
                if cur > *best_score {
                    *best_score = cur;
                    best.clone_from(&st.assignment);
                    if *best_score >= ub_score {
                        return true;
                    }
                }
                entering = false;
                if d == 0 {
                    return true;
                }
                continue;
            }
            let i = rest[d];
            let mut options: Vec<Option<usize>> = st.options(i).map(Some).collect();
            options.push(None);
            open.undecided[i] = false;
            open.sync(i, &st.blocked);
            stack.push(Frame { options, next: 0, applied: None });
        }
        // Advance the frame on top: undo its applied option, apply the next one.
        let depth = stack.len();
        let Some(top) = stack.last_mut() else {
            return true;
        };
        let i = rest[depth - 1];
        if let Some(g) = top.applied.take() {
            cur -= st.gain_after_take(i, g);
            for &r in &links.relatives[i] {
                open.sync(r, &st.blocked);
            }
        }
        if top.next < top.options.len() {
            let choice = top.options[top.next];
            top.next += 1;
            if let Some(g) = choice {
                cur += st.gain(i, g);
                st.put(i, g);
                for &r in &links.relatives[i] {
                    open.sync(r, &st.blocked);
                }
                top.applied = Some(g);
            }
            entering = true;
        } else {
            stack.pop();
            open.undecided[i] = true;
            open.sync(i, &st.blocked);
            entering = false;
            if stack.is_empty() {
                return true;
            }
        }
    }
}

impl State<'_> {
    /// Removes `item` from `g` and returns the score it had added.
    fn gain_after_take(&mut self, item: usize, g: usize) -> i128 {
        self.take(item, g);
        self.gain(item, g)
    }
}

/// The fractional relaxation of the credit groups: the maximum flow from items (capacity =
/// value) to the credit groups they may go to (capacity = required). Items on their own with
/// the same set of credit groups are merged into one node, which leaves the flow unchanged. A
/// family (a container and its parts) is fed through one node per member whose capacity is
/// the most that member and its parts can bring (the larger of its own value and its parts'),
/// so a container and its parts are not both counted in full.
fn credit_flow(p: &Problem, links: &Links) -> i64 {
    use std::collections::BTreeMap;
    let credit_groups: Vec<usize> =
        (0..p.needs.len()).filter(|&g| matches!(p.needs[g], Need::Credits { .. })).collect();
    if credit_groups.is_empty() {
        return 0;
    }
    let credit_set = |it: &Item| -> Vec<usize> {
        it.groups.iter().copied().filter(|&g| matches!(p.needs[g], Need::Credits { .. })).collect()
    };
    let own = |i: usize| -> i64 {
        let it = &p.items[i];
        if it.value > 0 && !credit_set(it).is_empty() { it.value } else { 0 }
    };
    let mut classes: BTreeMap<Vec<usize>, i64> = BTreeMap::new();
    for (i, it) in p.items.iter().enumerate() {
        if links.family_of[i].is_some() {
            continue;
        }
        let gs = credit_set(it);
        if !gs.is_empty() && it.value > 0 {
            *classes.entry(gs).or_insert(0) += it.value;
        }
    }
    // Per family member, the most it and its parts can bring (members are deepest first).
    let mut best = vec![0i64; p.items.len()];
    let mut child_sum = vec![0i64; p.items.len()];
    for members in &links.families {
        for &x in members {
            best[x] = own(x).max(child_sum[x]);
            if let Some(parent) = links.parent[x] {
                child_sum[parent] = child_sum[parent].saturating_add(best[x]);
            }
        }
    }
    let members: Vec<usize> = links.families.iter().flatten().copied().collect();
    // Nodes: 0 source, 1 sink, then classes, then groups, then per family member a feed node
    // and an item node.
    let group_node = |g: usize| 2 + classes.len() + g;
    let first_member = 2 + classes.len() + p.needs.len();
    let mut member_node = vec![0usize; p.items.len()];
    for (m, &x) in members.iter().enumerate() {
        member_node[x] = first_member + 2 * m;
    }
    let mut net = Dinic::new(first_member + 2 * members.len());
    for (c, (gs, value)) in classes.iter().enumerate() {
        net.edge(0, 2 + c, *value);
        for &g in gs {
            net.edge(2 + c, group_node(g), i64::MAX / 4);
        }
    }
    for &x in &members {
        let feed = member_node[x];
        let from = links.parent[x].map_or(0, |parent| member_node[parent]);
        net.edge(from, feed, best[x]);
        let value = own(x);
        if value > 0 {
            net.edge(feed, feed + 1, value);
            for g in credit_set(&p.items[x]) {
                net.edge(feed + 1, group_node(g), i64::MAX / 4);
            }
        }
    }
    for &g in &credit_groups {
        if let Need::Credits { required } = p.needs[g] {
            net.edge(group_node(g), 1, required);
        }
    }
    net.max_flow(0, 1)
}

/// Dinic's maximum flow on a small graph.
struct Dinic {
    to: Vec<usize>,
    cap: Vec<i64>,
    head: Vec<Vec<usize>>,
}

impl Dinic {
    fn new(n: usize) -> Self {
        Dinic { to: Vec::new(), cap: Vec::new(), head: vec![Vec::new(); n] }
    }

    fn edge(&mut self, a: usize, b: usize, c: i64) {
        self.head[a].push(self.to.len());
        self.to.push(b);
        self.cap.push(c);
        self.head[b].push(self.to.len());
        self.to.push(a);
        self.cap.push(0);
    }

    fn max_flow(&mut self, s: usize, t: usize) -> i64 {
        let n = self.head.len();
        let mut total = 0i64;
        loop {
            let mut level = vec![usize::MAX; n];
            level[s] = 0;
            let mut queue = std::collections::VecDeque::from([s]);
            while let Some(u) = queue.pop_front() {
                for &e in &self.head[u] {
                    if self.cap[e] > 0 && level[self.to[e]] == usize::MAX {
                        level[self.to[e]] = level[u] + 1;
                        queue.push_back(self.to[e]);
                    }
                }
            }
            if level[t] == usize::MAX {
                return total;
            }
            let mut it = vec![0usize; n];
            loop {
                let f = self.push(s, t, i64::MAX / 4, &level, &mut it);
                if f == 0 {
                    break;
                }
                total += f;
            }
        }
    }

    fn push(&mut self, u: usize, t: usize, f: i64, level: &[usize], it: &mut [usize]) -> i64 {
        if u == t {
            return f;
        }
        while it[u] < self.head[u].len() {
            let e = self.head[u][it[u]];
            let v = self.to[e];
            if self.cap[e] > 0 && level[v] == level[u] + 1 {
                let d = self.push(v, t, f.min(self.cap[e]), level, it);
                if d > 0 {
                    self.cap[e] -= d;
                    self.cap[e ^ 1] += d;
                    return d;
                }
            }
            it[u] += 1;
        }
        0
    }
}
