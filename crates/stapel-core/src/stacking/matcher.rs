//! The matcher: assigns indivisible credentials to requirement groups, each credential to at
//! most one group, so that the most required credits are fulfilled. It works on plain integers
//! (values in hundredths of a study hour) and knows nothing of credentials or files; the
//! design (pre-assignment, greedy start, max-flow bound, branch and bound with a node budget)
//! is explained in `docs/pathways.md` ("How credentials are matched").

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
    /// An upper bound on `fulfilled` over all assignments (fractional max-flow plus every
    /// achievement group that has a candidate). `fulfilled <= upper_bound` always.
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
    k: i128,
    /// Units assigned per credit group / items assigned per achievement group.
    sum: Vec<i64>,
    assignment: Vec<Option<usize>>,
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
    }

    fn take(&mut self, item: usize, g: usize) {
        self.sum[g] -= match self.p.needs[g] {
            Need::Credits { .. } => self.p.items[item].value,
            Need::Achievement { .. } => 1,
        };
        self.assignment[item] = None;
    }

    /// Live groups an item could still add something to.
    fn options(&self, item: usize) -> impl Iterator<Item = usize> + '_ {
        let it = &self.p.items[item];
        it.groups.iter().copied().filter(move |&g| {
            self.live(g) && (matches!(self.p.needs[g], Need::Achievement { .. }) || it.value > 0)
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

/// Finds the assignment that fulfils the most required units; among equally good ones, more
/// fulfilled achievement groups win. Deterministic for a given problem: items are considered
/// in their given order where order matters, so callers sort them by a stable key first.
pub fn solve(p: &Problem, node_budget: u64) -> Solution {
    // Group lists out of range, unsorted or repeated are tidied rather than trusted.
    let tidy;
    let p = if p.items.iter().all(|it| {
        it.groups.windows(2).all(|w| w[0] < w[1]) && it.groups.iter().all(|&g| g < p.needs.len())
    }) {
        p
    } else {
        tidy = Problem {
            needs: p.needs.clone(),
            items: p
                .items
                .iter()
                .map(|it| {
                    let mut groups: Vec<usize> = it
                        .groups
                        .iter()
                        .copied()
                        .filter(|&g| g < p.needs.len())
                        .collect();
                    groups.sort_unstable();
                    groups.dedup();
                    Item {
                        value: it.value,
                        groups,
                    }
                })
                .collect(),
        };
        &tidy
    };
    let n_ach = p
        .needs
        .iter()
        .filter(|n| matches!(n, Need::Achievement { .. }))
        .count();
    let k = n_ach as i128 + 1;
    let mut st = State {
        p,
        k,
        sum: vec![0; p.needs.len()],
        assignment: vec![None; p.items.len()],
    };

    // Step 1: items with only one live use go there; repeat until nothing changes. Larger
    // items first, so that a group that fills up is filled by fewer credentials.
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
                [g] => {
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

    // Step 2: the upper bound on what any assignment can reach.
    let flow = credit_flow(p);
    let mut upper_bound = flow;
    let mut ub_score = i128::from(flow) * k;
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
            upper_bound += credits;
            ub_score += i128::from(credits) * k + 1;
        }
    }

    // Step 3: greedy start on the rest.
    let base = st.assignment.clone();
    greedy(&mut st, &rest);
    let mut best = st.assignment.clone();
    let (mut best_score, _, _) = score_of(p, &best, k);

    // Step 4: branch and bound over the rest, from the pre-assigned state.
    st.assignment = base.clone();
    st.sum = vec![0; p.needs.len()];
    for (i, a) in base.iter().enumerate() {
        if let Some(g) = *a {
            st.assignment[i] = None;
            st.put(i, g);
        }
    }
    let mut nodes = 0u64;
    let mut finished = true;
    if best_score < ub_score && !rest.is_empty() {
        finished = branch_and_bound(
            &mut st,
            &rest,
            node_budget,
            &mut nodes,
            &mut best,
            &mut best_score,
            ub_score,
        );
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
            .filter(|&i| !done[i] && p.items[i].groups.contains(&g))
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

/// Depth-first branch and bound with an explicit stack. Returns true when the whole tree was
/// searched (or cut by the bound), false when the node budget ran out first.
fn branch_and_bound(
    st: &mut State<'_>,
    rest: &[usize],
    budget: u64,
    nodes: &mut u64,
    best: &mut Vec<Option<usize>>,
    best_score: &mut i128,
    ub_score: i128,
) -> bool {
    let p = st.p;
    let k = st.k;
    let n = rest.len();
    // What the undecided items could still give each group, and in total.
    let mut avail = vec![0i64; p.needs.len()];
    let mut remaining_total = 0i64;
    for &i in rest {
        let it = &p.items[i];
        for &g in &it.groups {
            avail[g] += match p.needs[g] {
                Need::Credits { .. } => it.value,
                Need::Achievement { .. } => 1,
            };
        }
        if it
            .groups
            .iter()
            .any(|&g| matches!(p.needs[g], Need::Credits { .. }))
        {
            remaining_total += it.value;
        }
    }
    let mut cur = score_of(p, &st.assignment, k).0;

    let release = |avail: &mut Vec<i64>, remaining_total: &mut i64, i: usize, sign: i64| {
        let it = &p.items[i];
        for &g in &it.groups {
            avail[g] += sign
                * match p.needs[g] {
                    Need::Credits { .. } => it.value,
                    Need::Achievement { .. } => 1,
                };
        }
        if it
            .groups
            .iter()
            .any(|&g| matches!(p.needs[g], Need::Credits { .. }))
        {
            *remaining_total += sign * it.value;
        }
    };

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
            // Bound at this node.
            let mut credit_room = 0i64;
            let mut ach_room = 0i128;
            for (g, need) in p.needs.iter().enumerate() {
                match *need {
                    Need::Credits { required } => {
                        credit_room += (required - st.sum[g]).max(0).min(avail[g]);
                    }
                    Need::Achievement { credits } => {
                        if st.sum[g] == 0 && avail[g] > 0 {
                            ach_room += i128::from(credits) * k + 1;
                        }
                    }
                }
            }
            let bound = cur + i128::from(credit_room.min(remaining_total)) * k + ach_room;
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
            release(&mut avail, &mut remaining_total, i, -1);
            stack.push(Frame {
                options,
                next: 0,
                applied: None,
            });
        }
        // Advance the frame on top: undo its applied option, apply the next one.
        let depth = stack.len();
        let Some(top) = stack.last_mut() else {
            return true;
        };
        let i = rest[depth - 1];
        if let Some(g) = top.applied.take() {
            cur -= st.gain_after_take(i, g);
        }
        if top.next < top.options.len() {
            let choice = top.options[top.next];
            top.next += 1;
            if let Some(g) = choice {
                cur += st.gain(i, g);
                st.put(i, g);
                top.applied = Some(g);
            }
            entering = true;
        } else {
            stack.pop();
            release(&mut avail, &mut remaining_total, i, 1);
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
/// value) to the credit groups they may go to (capacity = required). Items with the same set
/// of credit groups are merged into one node, which leaves the flow unchanged.
fn credit_flow(p: &Problem) -> i64 {
    use std::collections::BTreeMap;
    let credit_groups: Vec<usize> = (0..p.needs.len())
        .filter(|&g| matches!(p.needs[g], Need::Credits { .. }))
        .collect();
    if credit_groups.is_empty() {
        return 0;
    }
    let mut classes: BTreeMap<Vec<usize>, i64> = BTreeMap::new();
    for it in &p.items {
        let gs: Vec<usize> = it
            .groups
            .iter()
            .copied()
            .filter(|&g| matches!(p.needs[g], Need::Credits { .. }))
            .collect();
        if !gs.is_empty() && it.value > 0 {
            *classes.entry(gs).or_insert(0) += it.value;
        }
    }
    // Nodes: 0 source, 1 sink, then classes, then groups.
    let group_node = |g: usize| 2 + classes.len() + g;
    let mut net = Dinic::new(2 + classes.len() + p.needs.len());
    for (c, (gs, value)) in classes.iter().enumerate() {
        net.edge(0, 2 + c, *value);
        for &g in gs {
            net.edge(2 + c, group_node(g), i64::MAX / 4);
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
        Dinic {
            to: Vec::new(),
            cap: Vec::new(),
            head: vec![Vec::new(); n],
        }
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
