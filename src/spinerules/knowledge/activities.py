"""The activities spinerules recommends (clinical.md section 6), with honest framing (section 9).

Owen 2020 found no exercise type clearly best, so the one the person will do wins: ranking puts
preferences first and uses evidence grade only to order the rest.
"""

from __future__ import annotations

from ..conditions import Condition, IsNot, Unknown, any_of, any_yes, flag, ge, le, lt, yes
from ..levels import Grade
from ..rules import Activity, ConditionalText, Exclusion, cite
from ..thresholds import Thresholds
from .common import always
from .fracture import OTHER_FRACTURE_FLAGS

G = Grade


def _phases(t: Thresholds) -> tuple[Condition, Condition, Condition]:
    acute = lt("pain_duration_days", t.subacute_min_days, "subacute_min_days")
    subacute_or_chronic = ge("pain_duration_days", t.subacute_min_days, "subacute_min_days")
    chronic = ge("pain_duration_days", t.chronic_min_days, "chronic_min_days")
    return acute, subacute_or_chronic, chronic


def activities(t: Thresholds) -> list[Activity]:
    acute, subacute_or_chronic, chronic = _phases(t)
    pregnant = yes("pregnant")
    osteoporosis = yes("osteoporosis")
    return [
        Activity(
            id="stay_active",
            name="Stay active",
            kind="advice",
            eligibility=always(),
            reason="Staying active speeds recovery; bed rest slows it.",
            dose="Carry on with daily activities and work as far as you are able.",
            progression="Do a little more each day as the pain allows.",
            evidence=(
                cite("acp2017", G.MODERATE),
                cite("nice_ng59", G.GUIDELINE),
                cite("ninds_lbp"),
                cite("seed_article"),
            ),
        ),
        Activity(
            id="reassurance",
            name="What back pain means",
            kind="advice",
            eligibility=always(),
            reason="Understanding back pain reduces worry and helps you keep moving.",
            dose="Hurt does not mean harm: back pain rarely means damage, and moving is safe.",
            progression="Keep going with your plan; expect ups and downs.",
            cautions=(
                ConditionalText("Most new back pain improves a lot within a few weeks.", acute),
            ),
            evidence=(cite("ninds_lbp"), cite("acp2017"), cite("nice_ng59")),
        ),
        Activity(
            id="break_up_sitting",
            name="Break up sitting",
            kind="advice",
            eligibility=ge("days_mostly_sitting_last_week", t.sitting_days, "sitting_days"),
            reason="You spent most of several days last week sitting or lying down.",
            dose="Stand up and move for 2–5 minutes every 30–60 minutes.",
            progression="Add short walks to the breaks as you feel able.",
            evidence=(cite("nice_ng59"), cite("seed_article")),
        ),
        Activity(
            id="walking",
            name="Walking",
            eligibility=any_of(
                ge("can_walk_minutes", t.walking_min_minutes, "walking_min_minutes"),
                Unknown("can_walk_minutes"),
            ),
            reason="Walking is simple exercise that helps long-lasting back pain about as much as special strength work.",
            dose="Start with the time you can walk comfortably.",
            progression="Add 5 minutes a week, up to 30 minutes on 5 days a week.",
            # Section 12: 10 to 30 minutes on 5 days a week; start at the largest step not
            # above what the person can walk comfortably.
            ladder=tuple(
                (f"Walk {m} minutes on 5 days a week.", 5, m) for m in (10, 15, 20, 25, 30)
            ),
            ladder_fit="can_walk_minutes",
            evidence=(
                cite("shnayderman2013", G.LOW),
                cite("belavy2017", G.VERY_LOW),
                cite("acp2017"),
            ),
        ),
        Activity(
            id="running",
            name="Keep running",
            eligibility=yes("currently_runs")
            & le("pain_intensity", t.running_max_intensity, "running_max_intensity"),
            reason="You already run and your pain is moderate or less; running is associated with healthier discs in healthy adults.",
            dose="Keep running at a conversational pace.",
            progression="Cut distance rather than stop when the pain flares; build back gradually.",
            ladder=(
                (
                    "Run 2 times a week at a conversational pace, a shorter distance than usual.",
                    2,
                    None,
                ),
                ("Run 2 times a week at a conversational pace, your usual distance.", 2, None),
                ("Run 3 times a week at a conversational pace, your usual distance.", 3, None),
            ),
            exclusions=(
                Exclusion(
                    "fracture_flag",
                    any_of(*(flag(f) for f in OTHER_FRACTURE_FLAGS), flag("fracture_neuro")),
                    "a possible fracture",
                ),
                Exclusion(
                    "previous_vertebral_fracture",
                    yes("previous_vertebral_fracture"),
                    "a previous vertebral fracture",
                ),
            ),
            cautions=(
                ConditionalText(
                    "Thin bones (osteoporosis): build up slowly to running and jumping.",
                    osteoporosis,
                ),
                ConditionalText(
                    "Pregnancy: keep running only if your pregnancy is going well and your maternity team agrees. Stop if you have bleeding, dizziness, chest pain or contractions.",
                    pregnant,
                ),
            ),
            evidence=(cite("belavy2017", G.VERY_LOW), cite("seed_article")),
            framing="Running is associated with healthier discs in healthy young adults; it has not been shown to treat back pain.",
        ),
        Activity(
            id="core_stability",
            name="Core exercise for a steady back",
            eligibility=subacute_or_chronic,
            reason="Your pain has lasted 4 weeks or more; motor-control exercise helps in the short term.",
            dose="Motor-control or core exercises 2–3 times a week, 20–30 minutes, for 8–12 weeks.",
            progression="Make it harder as your control gets better; a physiotherapist can guide you.",
            ladder=(
                ("Core exercises 2 times a week, 20 minutes.", 2, 20),
                ("Core exercises 3 times a week, 20 minutes.", 3, 20),
                ("Core exercises 3 times a week, 30 minutes.", 3, 30),
            ),
            cautions=(
                ConditionalText("Pregnancy: use a programme adapted for pregnancy.", pregnant),
                ConditionalText(
                    "Thin bones (osteoporosis): avoid sit-ups, crunches and bending forward while lifting. Choose exercises that hold your back steady or arch it back gently.",
                    osteoporosis,
                ),
            ),
            evidence=(
                cite("wang2012", G.MODERATE, "short-term only"),
                cite("chang2015", G.VERY_LOW),
                cite("acp2017", G.LOW),
                cite("owen2020"),
            ),
            framing="Core training helps in the short term but is not clearly better than other exercise in the long term.",
        ),
        Activity(
            id="strength_and_walking",
            name="Strength training with walking",
            eligibility=chronic & ge("bmi", t.strength_min_bmi, "strength_min_bmi"),
            reason="Your pain is long-standing and your BMI is 30 or more; whole-body strength work with walking helped in small trials.",
            dose="Whole-body strength training twice a week, 50 minutes, for 12 weeks, plus walking.",
            progression="Increase loads gradually every 1–2 weeks.",
            ladder=(
                ("Strength training 2 times a week, 50 minutes, light loads, plus walking.", 2, 50),
                (
                    "Strength training 2 times a week, 50 minutes, moderate loads, plus walking.",
                    2,
                    50,
                ),
                (
                    "Strength training 2 times a week, 50 minutes, heavier loads, plus walking.",
                    2,
                    50,
                ),
            ),
            evidence=(
                cite("lee_kang2016", G.VERY_LOW),
                cite("vincent2014", G.LOW),
                # R3-17: Owen 2020 supports exercise in general; for this combination in
                # people with obesity the trials are small.
                cite("owen2020", G.LOW, "exercise in general; small trials for this combination"),
            ),
            framing="The strength-plus-walking evidence comes from small trials (36 and 49 adults).",
        ),
        Activity(
            id="yoga",
            name="Yoga",
            eligibility=chronic,
            reason="Your pain is long-standing; yoga helped as much as physiotherapy in a large trial.",
            dose="One class a week for 12 weeks, plus short home practice.",
            progression="Build home practice towards most days.",
            ladder=(
                ("One yoga class a week and 1 short home practice.", 2, None),
                ("One yoga class a week and 3 short home practices.", 4, None),
                ("One yoga class a week and 5 short home practices.", 6, None),
            ),
            cautions=(
                ConditionalText(
                    "Osteoporosis: avoid end-range or loaded forward bending and twisting.",
                    osteoporosis,
                ),
                ConditionalText(
                    "Pregnancy: choose a prenatal class, no hot yoga, and avoid lying on your back for long.",
                    pregnant,
                ),
                ConditionalText(
                    "The yoga evidence comes from adults aged 18–64.",
                    any_of(lt("age", 18), ge("age", 65)),
                ),
            ),
            evidence=(cite("saper2017", G.MODERATE), cite("acp2017", G.LOW)),
            framing="Yoga was as good as physiotherapy and not better than an education book.",
        ),
        Activity(
            id="tai_chi",
            name="Tai chi",
            eligibility=chronic,
            reason="Your pain is long-standing; tai chi reduces pain and also trains balance.",
            dose="2 sessions a week for at least 10 weeks.",
            progression="Continue as a regular practice.",
            ladder=(
                ("Tai chi 2 times a week, 30 minutes.", 2, 30),
                ("Tai chi 2 times a week, 45 minutes.", 2, 45),
                ("Tai chi 2 times a week, 60 minutes.", 2, 60),
            ),
            rank_up=any_of(
                ge("age", t.tai_chi_rank_up_age, "tai_chi_rank_up_age"), yes("balance_problems")
            ),
            evidence=(cite("kong2016", G.LOW), cite("acp2017", G.LOW)),
        ),
        Activity(
            id="group_exercise",
            name="Group exercise programme",
            eligibility=always(),
            reason="NICE recommends a group exercise programme for an episode or flare-up of back pain.",
            dose=f"A supervised group programme (biomechanical, aerobic, mind-body or mixed), about {t.group_exercise_sessions} sessions.",
            progression="Carry the exercises on at home after the programme.",
            ladder=(
                ("Go to 1 group session a week.", 1, None),
                ("Go to 1 group session a week and do the exercises once at home.", 2, None),
                ("Go to 1 group session a week and do the exercises twice at home.", 3, None),
            ),
            evidence=(cite("nice_ng59", G.GUIDELINE),),
        ),
        Activity(
            id="superficial_heat",
            name="Heat",
            kind="comfort",
            eligibility=lt("pain_duration_days", t.chronic_min_days, "chronic_min_days"),
            reason="Heat eases acute and subacute back pain.",
            dose="A heat wrap or pack for comfort, as needed.",
            progression="Use less as the pain settles.",
            cautions=(
                ConditionalText(
                    "Diabetes or numbness in the legs: risk of burns; check the skin and never sleep on a heat pack.",
                    any_of(any_yes("diabetes"), IsNot("leg_numbness_or_tingling", "none")),
                ),
            ),
            evidence=(cite("acp2017", G.MODERATE),),
        ),
        Activity(
            id="pain_relief",
            name="Pain relief",
            kind="advice",
            eligibility=always(),
            reason="A painkiller can help you keep moving while the pain settles.",
            dose="If you need a painkiller, ask a pharmacist or doctor about an anti-inflammatory (NSAID) such as ibuprofen. Take the lowest dose for the shortest time.",
            progression="Stop when you no longer need it.",
            # Section 6: in pregnancy the NSAID advice is replaced, not merely cautioned.
            dose_instead=(
                ConditionalText(
                    "Pregnancy: ask your midwife or pharmacist before you take any painkiller. Anti-inflammatories are usually avoided in pregnancy.",
                    pregnant,
                ),
            ),
            cautions=(
                # clinical.md section 6: no fields for stomach, kidney, heart or asthma problems
                # yet, so this caution is always shown.
                ConditionalText(
                    "Check with a pharmacist or doctor first if you are 65 or over, or have had a stomach ulcer, or kidney, heart or asthma problems."
                ),
            ),
            evidence=(cite("nice_ng59", G.GUIDELINE), cite("acp2017", G.MODERATE)),
        ),
        Activity(
            id="flare_up_plan",
            name="If the pain flares up",
            kind="advice",
            eligibility=chronic,
            reason="Long-lasting back pain often has ups and downs; a plan for flare-ups helps you keep going.",
            dose="If the pain flares, keep moving but do less for a day or two and use heat. Then build back up to your usual plan.",
            progression="Note what set off the flare, and build up more slowly next time.",
            evidence=(cite("nice_ng59", G.GUIDELINE),),
        ),
        Activity(
            id="return_to_work",
            name="Work",
            kind="advice",
            eligibility=yes("off_work_due_to_back_pain"),
            reason="You are off work, or cannot do your usual work, because of back pain.",
            dose="Staying in work, or going back, helps recovery. Start with lighter duties or shorter hours. Ask your employer about changes, and your doctor about a fit note that lists them.",
            progression="Build back up to your usual hours and duties over a few weeks.",
            evidence=(cite("nice_ng59", G.GUIDELINE),),
        ),
    ]
