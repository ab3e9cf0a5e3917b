"""Identical tensors through verl's, TRL's and this project's advantage and loss code.

verl pins transformers below this project's version, so it is installed aside, without
dependencies (as for ``benchmarks/verl_recipe_check.py``)::

    .venv/bin/pip install --no-deps --target runs/verl_pkgs verl==0.9.1 hydra-core omegaconf \\
        antlr4-python3-runtime==4.9.3 codetiming tensordict==0.10.0 pyvers \\
        ray msgpack protobuf jsonschema jsonschema-specifications referencing rpds-py attrs cloudpickle orjson
    PYTHONPATH=runs/verl_pkgs:src .venv/bin/python benchmarks/verl_engine_parity.py

For each of ``--batches`` random batches (``integrations.parity.parity_batch``: 4 prompts x G=8,
3 rewards of different spreads with flat groups, responses of 1..12 tokens, log-ratios up to
±0.9) the same reward matrix goes to

- ours: ``compute_advantages("balanced" | "sum_then_normalize")``;
- TRL 1.16's ``GRPOTrainer`` advantage code (``normalize_then_sum`` | ``sum_then_normalize``),
  through ``integrations.parity.TRLEngine``;
- verl's ``compute_gdpo_outcome_advantage`` with ``gdpo_reward_keys`` (the recipe's estimator)
  and ``compute_grpo_outcome_advantage`` on ``score`` (the recipe's ablation);

and the same (log-probs, old log-probs, advantages, mask) to our ``clipped_objective`` +
``aggregate``, TRL's ``_compute_loss`` and verl's registered ``vanilla`` policy loss (with the
recipe's actor config: clip 0.2/0.2, and its ``agg_loss``). Prints the largest differences raw
and after the documented conversions (``trl_advantages_from_eq5``, ``gdpo_advantages_from_eq5``,
the sample/population std factor); then a batch with log-ratios up to ±3, where verl's dual clip
(``clip_ratio_c`` = 3) acts and ours and TRL's do not.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG_DIR = ROOT / "recipes" / "verl" / "config"
KEYS = ["length", "writing", "format"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--batches", type=int, default=5)
    args = ap.parse_args()

    import numpy as np
    import torch
    import verl
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf
    from verl.trainer.ppo.core_algos import (agg_loss, compute_gdpo_outcome_advantage,
                                             compute_grpo_outcome_advantage, get_policy_loss_fn)
    from verl.utils.config import omega_conf_to_dataclass

    from longwriter_zero.integrations.parity import (LOSS_MODES, ParityBatch, TRLEngine, max_abs, ours,
                                                     parity_batch, sample_to_population_std)
    from longwriter_zero.integrations.trl import trl_advantages_from_eq5
    from longwriter_zero.integrations.verl import gdpo_advantages_from_eq5

    torch.set_num_threads(1)
    import trl
    print(f"verl {verl.__version__}, trl {trl.__version__}, torch {torch.__version__}")
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=None):
        cfg = compose(config_name="lwz_grpo")
    actor = omega_conf_to_dataclass(cfg.actor_rollout_ref.actor)          # the recipe's clip settings
    algo = OmegaConf.create({"gdpo_reward_keys": KEYS, "norm_adv_by_std_in_grpo": True})
    vanilla = get_policy_loss_fn(cfg.actor_rollout_ref.actor.policy_loss.loss_mode)
    print(f"recipe: adv_estimator={cfg.algorithm.adv_estimator} "
          f"policy loss={cfg.actor_rollout_ref.actor.policy_loss.loss_mode} "
          f"clip={actor.clip_ratio_low}/{actor.clip_ratio_high} clip_ratio_c={actor.clip_ratio_c} "
          f"loss_agg_mode={actor.loss_agg_mode}")

    P, G, K, T = 4, 8, 3, 12
    N = P * G
    index = np.repeat(np.arange(P), G).astype(object)
    engine = TRLEngine(tempfile.mkdtemp(prefix="lwz_parity_"), G, N, K,
                       eps_low=actor.clip_ratio_low, eps_high=actor.clip_ratio_high)

    def verl_gdpo(b: ParityBatch) -> torch.Tensor:
        batch = {"prompts": torch.zeros(N, 3, dtype=torch.long),
                 "attention_mask": torch.cat([torch.ones(N, 3), b.mask], dim=1).long()}
        ntb = {k: b.rewards[:, i].numpy() for i, k in enumerate(KEYS)}
        adv, _ = compute_gdpo_outcome_advantage(token_level_rewards=torch.zeros(N, T), response_mask=b.mask,
                                                index=index, config=algo, non_tensor_batch=ntb, batch=batch)
        return adv

    def verl_grpo_on_score(b: ParityBatch) -> torch.Tensor:
        score = b.rewards.mean(1)                                # compute_score's "score": the mean
        tlr = torch.zeros(N, T)
        tlr[torch.arange(N), b.mask.sum(1).long() - 1] = score
        adv, _ = compute_grpo_outcome_advantage(token_level_rewards=tlr, response_mask=b.mask, index=index)
        return adv

    def verl_loss(b: ParityBatch, adv: torch.Tensor, mode: str, config=actor):
        leaf = b.logp.clone().requires_grad_(True)
        loss, _ = vanilla(old_log_prob=b.old_logp, log_prob=leaf, advantages=adv[:, None].expand(-1, T) * b.mask,
                          response_mask=b.mask, loss_agg_mode=mode, config=config)
        (grad,) = torch.autograd.grad(loss, leaf)
        return loss.detach(), grad

    rows: dict[str, list[tuple[float, float]]] = {}

    def add(name, raw, converted):
        rows.setdefault(name, []).append((raw, converted))

    per_token = lambda a, b: a[:, None] * b.mask                     # noqa: E731  [N] -> [N, T]
    for seed in range(args.batches):
        b = parity_batch(seed=seed, prompts=P, group_size=G, rewards=K, max_len=T)
        for label, bb in (("", b), (" (rewards x1000)", ParityBatch(b.rewards * 1000, b.logp, b.old_logp, b.mask, G))):
            eq5, _, _ = ours(bb, "balanced")
            stn, _, _ = ours(bb, "sum_then_normalize")
            trl_nts = engine.advantages(bb.rewards, "normalize_then_sum")
            trl_stn = engine.advantages(bb.rewards, "sum_then_normalize", scale_rewards="group")
            gdpo = verl_gdpo(bb)
            grpo = verl_grpo_on_score(bb)
            s = sample_to_population_std(G)
            add(f"TRL normalize_then_sum vs Eq. 5{label}", max_abs(trl_nts, eq5),
                max_abs(trl_nts, trl_advantages_from_eq5(eq5, G, float(K))))
            add(f"verl gdpo vs Eq. 5{label}", max_abs(gdpo, per_token(eq5, bb)),
                max_abs(gdpo, gdpo_advantages_from_eq5(eq5, bb.mask, G, float(K))))
            # control: the conversion must be verl's (token-weighted whitening), not TRL's (per completion)
            add(f"control: verl gdpo vs Eq. 5 with TRL's conversion{label}", max_abs(gdpo, per_token(eq5, bb)),
                max_abs(gdpo, per_token(trl_advantages_from_eq5(eq5, G, float(K)), bb)))
            add(f"TRL sum_then_normalize vs ours{label}", max_abs(trl_stn, stn), max_abs(trl_stn * s, stn))
            add(f"verl grpo on score vs ours sum_then_normalize{label}", max_abs(grpo, per_token(stn, bb)),
                max_abs(grpo * s, per_token(stn, bb)))
        # losses on identical advantages (TRL's normalize_then_sum output, fed to all three)
        adv = engine.advantages(b.rewards, "normalize_then_sum")
        for ours_mode, (trl_mode, verl_mode) in LOSS_MODES.items():
            _, l_ours, g_ours = ours(b, loss_agg=ours_mode, advantages=adv,
                                     eps_low=actor.clip_ratio_low, eps_high=actor.clip_ratio_high)
            l_trl, g_trl = engine.loss(b.logp, b.old_logp, adv, b.mask, trl_mode)
            l_verl, g_verl = verl_loss(b, adv, verl_mode)
            add(f"loss {ours_mode}: TRL {trl_mode} vs ours", abs(float(l_trl - l_ours)), max_abs(g_trl, g_ours))
            add(f"loss {ours_mode}: verl {verl_mode} vs ours", abs(float(l_verl - l_ours)), max_abs(g_verl, g_ours))

    print(f"\n{args.batches} batches of {P} prompts x G={G}, K={K} rewards, responses of 1..{T} tokens")
    print(f"{'advantages (max |diff| over the batches)':58} {'raw':>10} {'converted':>10}")
    worst_adv, worst, control = 0.0, 0.0, 0.0
    for name, vals in rows.items():
        raw, conv = max(v[0] for v in vals), max(v[1] for v in vals)
        if name.startswith("loss"):
            continue
        print(f"{name:58} {raw:10.3g} {conv:10.3g}")
        if "x1000" in name and name.startswith("control"):
            control = min(v[1] for v in vals)
        elif "x1000" in name:        # with the std epsilons negligible the conversions are exact up to float32
            worst_adv = max(worst_adv, conv)
    print(f"\n{'loss on identical advantages':58} {'|loss diff|':>10} {'grad diff':>10}")
    for name, vals in rows.items():
        if name.startswith("loss"):
            raw, conv = max(v[0] for v in vals), max(v[1] for v in vals)
            print(f"{name:58} {raw:10.3g} {conv:10.3g}")
            worst = max(worst, raw, conv)

    # verl's gdpo on the per-reward keys compute_score returns (length, format), as the recipe's
    # reward manager hands them over: 4 real answers x 8 completions each (4 shapes x 2 ranges)
    import json

    from longwriter_zero.integrations.verl import compute_score
    from longwriter_zero.text.counting import count_length

    answers = [json.loads(line) for line in
               (ROOT / "src" / "longwriter_zero" / "assets" / "honest_answers.jsonl").read_text().splitlines()][:P]
    scored = []
    for a in answers:
        text, n = a["response"].strip(), count_length(a["response"].strip())
        shapes = [f"<think>Plan.</think>\n<answer>{text}</answer>", text, f"<think>plan</think><answer>{text}",
                  f"<think>plan</think>\n<answer>{text}\n\n{text}</answer>"]
        for rng in ([max(0, n - 50), n + 50], [n + 100, n + 400]):
            for shape in shapes:
                scored.append(compute_score("longwriter_zero", shape, json.dumps(rng), {"request": a["prompt"]},
                                            rewards=["length", "format"], l_max=2000))
    keys2 = ["length", "format"]
    r2 = torch.tensor([[row[k] for k in keys2] for row in scored])                    # [N, 2]
    b2 = parity_batch(seed=7, prompts=P, group_size=G, rewards=2, max_len=T)
    batch2 = {"prompts": torch.zeros(N, 3, dtype=torch.long),
              "attention_mask": torch.cat([torch.ones(N, 3), b2.mask], dim=1).long()}
    adv2, _ = compute_gdpo_outcome_advantage(
        token_level_rewards=torch.zeros(N, T), response_mask=b2.mask, index=index,
        config=OmegaConf.create({"gdpo_reward_keys": keys2, "norm_adv_by_std_in_grpo": True}),
        non_tensor_batch={k: np.array([row[k] for row in scored]) for k in keys2}, batch=batch2)
    eq5_2, _, _ = ours(ParityBatch(r2, b2.logp, b2.old_logp, b2.mask, G), "balanced")
    d2 = max_abs(adv2, gdpo_advantages_from_eq5(eq5_2, b2.mask, G, 2.0))
    spread = r2.view(P, G, 2).std(1)
    print(f"\nverl gdpo on compute_score's keys {keys2} ({N} completions of {P} real answers; groups with "
          f"varying length / format: {int((spread[:, 0] > 0).sum())} / {int((spread[:, 1] > 0).sum())} of {P}): "
          f"max |gdpo - Eq. 5| = {max_abs(adv2, eq5_2[:, None] * b2.mask):.3g} as is, {d2:.3g} converted")
    worst_adv = max(worst_adv, d2)         # real rewards: spreads large enough for the epsilons not to matter

    # log-ratios up to ±3: verl's dual clip bounds -A * ratio at -A * 3 for A < 0
    b = parity_batch(seed=100, prompts=P, group_size=G, rewards=K, max_len=T, log_ratio=1.5, max_log_ratio=3.0)
    adv = engine.advantages(b.rewards, "normalize_then_sum")
    ratio = torch.exp(b.logp - b.old_logp)
    acts = ((ratio > actor.clip_ratio_c) & (adv[:, None] < 0) & (b.mask > 0)).float().sum() / b.mask.sum()
    _, l_ours, g_ours = ours(b, advantages=adv)
    l_trl, g_trl = engine.loss(b.logp, b.old_logp, adv, b.mask, "dapo")
    l_verl, g_verl = verl_loss(b, adv, "token-mean")
    no_dual = omega_conf_to_dataclass(OmegaConf.merge(cfg.actor_rollout_ref.actor, {"clip_ratio_c": 1e9}))
    l_verl2, g_verl2 = verl_loss(b, adv, "token-mean", no_dual)
    print(f"\nlog-ratios up to ±3 (dual clip acts on {float(acts):.1%} of the tokens):")
    print(f"  token_mean: |TRL - ours| loss {abs(float(l_trl - l_ours)):.3g} grad {max_abs(g_trl, g_ours):.3g}; "
          f"|verl - ours| loss {abs(float(l_verl - l_ours)):.3g} grad {max_abs(g_verl, g_ours):.3g}; "
          f"verl with clip_ratio_c=1e9: loss {abs(float(l_verl2 - l_ours)):.3g} grad {max_abs(g_verl2, g_ours):.3g}")
    worst = max(worst, abs(float(l_verl2 - l_ours)), max_abs(g_verl2, g_ours))
    ok = worst_adv <= 1e-4 and worst <= 1e-6 and control > 1e-2       # the control must fail the tolerance
    print(f"\nlargest converted advantage difference (rewards x1000) {worst_adv:.3g} (tolerance 1e-4); "
          f"largest loss/gradient difference {worst:.3g} (tolerance 1e-6); the control's smallest "
          f"{control:.3g}: {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    sys.exit(main())
