"""The evidence catalogue (clinical.md section 9), as data.

``grade`` is the catalogue grade; ``None`` means the source grades each recommendation
separately (ACP 2017), so an unbracketed link to it lends no grade (clinical.md C3).
"""

from __future__ import annotations

from ..levels import Grade
from ..rules import Evidence

G = Grade

EVIDENCE: tuple[Evidence, ...] = (
    Evidence(
        "seed_article",
        '"7 Reasons You Should Exercise for Back Pain Relief" (consumer article quoting E. Robertson, APTA)',
        "consumer article",
        G.EXPERT_OPINION,
    ),
    Evidence(
        "acp2017",
        "Qaseem A et al. Noninvasive treatments for acute, subacute, and chronic low back pain. Ann Intern Med 2017;166(7):514-530",
        "guideline",
        None,
        doi="10.7326/M16-2367",
        grade_note="per recommendation: heat moderate; exercise moderate; yoga, tai chi, motor control low",
    ),
    Evidence(
        "nice_ng59",
        "NICE NG59. Low back pain and sciatica in over 16s: assessment and management. 2016, updated 2020",
        "guideline",
        G.GUIDELINE,
    ),
    Evidence(
        "nice_ng65",
        "NICE NG65. Spondyloarthritis in over 16s: diagnosis and management. 2017",
        "guideline",
        G.GUIDELINE,
    ),
    Evidence(
        "nice_ng12",
        "NICE NG12. Suspected cancer: recognition and referral (back pain with weight loss; persistent back pain at 60 or over)",
        "guideline",
        G.GUIDELINE,
    ),
    Evidence(
        "nice_ng234",
        "NICE NG234. Spinal metastases and metastatic spinal cord compression. 2023 (replaced CG75)",
        "guideline",
        G.GUIDELINE,
    ),
    Evidence(
        "nice_ng156",
        "NICE NG156. Abdominal aortic aneurysm: diagnosis and management. 2020",
        "guideline",
        G.GUIDELINE,
    ),
    Evidence(
        "nice_cks_lbp",
        "NICE Clinical Knowledge Summaries: Back pain – low (without radiculopathy)",
        "guideline summary",
        G.GUIDELINE,
    ),
    Evidence(
        "nice_cks_sciatica",
        "NICE Clinical Knowledge Summaries: Sciatica (lumbar radiculopathy)",
        "guideline summary",
        G.GUIDELINE,
    ),
    Evidence(
        "ifompt2020",
        "Finucane LM et al. International framework for red flags for potential serious spinal pathologies. JOSPT 2020;50(7):350-372",
        "consensus framework",
        G.EXPERT_OPINION,
        doi="10.2519/jospt.2020.9971",
    ),
    Evidence(
        "greenhalgh2018_ces",
        "Greenhalgh S et al. Assessment and management of cauda equina syndrome. Musculoskelet Sci Pract 2018;37:69-74",
        "narrative review",
        G.EXPERT_OPINION,
        doi="10.1016/j.msksp.2018.06.002",
    ),
    Evidence(
        "downie2013",
        "Downie A et al. Red flags to screen for malignancy and fracture in patients with low back pain: systematic review. BMJ 2013;347:f7095",
        "systematic review",
        G.LOW,
        doi="10.1136/bmj.f7095",
    ),
    Evidence(
        "henschke2013",
        "Henschke N et al. Red flags to screen for malignancy in patients with low-back pain. Cochrane 2013, CD008686",
        "systematic review",
        G.LOW,
        doi="10.1002/14651858.CD008686.pub2",
    ),
    Evidence(
        "han2023",
        "Han CS et al. Red flags to screen for vertebral fracture in people presenting with low back pain. Cochrane 2023, CD014461",
        "systematic review",
        G.LOW,
        grade_note="results not yet checked",
    ),
    Evidence(
        "yusuf2019",
        "Yusuf M, Finucane L, Selfe J. Red flags for the early detection of spinal infection in back pain patients. BMC Musculoskelet Disord 2019",
        "systematic review",
        G.VERY_LOW,
        doi="10.1186/s12891-019-2949-6",
        grade_note="accuracy could not be estimated",
    ),
    Evidence(
        "hill2008_startback",
        "Hill JC et al. A primary care back pain screening tool. Arthritis Rheum 2008;59(5):632-641",
        "validation study",
        G.MODERATE,
    ),
    Evidence(
        "hill2011_startback_trial",
        "Hill JC et al. Stratified primary care management for low back pain (STarT Back). Lancet 2011;378:1560-1571",
        "RCT, 851 patients",
        G.MODERATE,
        doi="10.1016/S0140-6736(11)60937-9",
    ),
    Evidence(
        "ninds_lbp",
        "NIH/NINDS Low Back Pain Fact Sheet (most acute back pain improves within days to weeks)",
        "fact sheet",
        G.EXPERT_OPINION,
    ),
    Evidence(
        "belavy2017",
        "Belavý DL et al. Running exercise strengthens the intervertebral disc. Sci Rep 2017;7:45975",
        "cross-sectional, 79 healthy adults",
        G.VERY_LOW,
        doi="10.1038/srep45975",
        grade_note="association; no pain outcomes",
    ),
    Evidence(
        "shnayderman2013",
        "Shnayderman I, Katz-Leurer M. Aerobic walking vs specific strengthening for chronic LBP. Clin Rehabil 2013",
        "RCT",
        G.LOW,
    ),
    Evidence(
        "chang2015",
        "Chang W-D, Lin H-Y, Lai P-T. Core strength training for patients with chronic low back pain. J Phys Ther Sci 2015;27(3):619-622",
        "small review",
        G.VERY_LOW,
    ),
    Evidence(
        "wang2012",
        "Wang X-Q et al. Core stability exercise vs general exercise for chronic LBP: meta-analysis. PLoS One 2012;7(12):e52082",
        "meta-analysis, 5 RCTs",
        G.MODERATE,
        grade_note="short-term only",
    ),
    Evidence(
        "owen2020",
        "Owen PJ et al. Which specific modes of exercise training are most effective for chronic LBP? Network meta-analysis. Br J Sports Med 2020;54(21):1279-1287",
        "network meta-analysis, 89 RCTs",
        G.MODERATE,
    ),
    Evidence(
        "lee_kang2016",
        "Lee J-S, Kang S-J. Strength exercise and walking in chronic back pain. J Exerc Rehabil 2016;12(5):463-470",
        "small RCT, 36 overweight adults",
        G.VERY_LOW,
        doi="10.12965/jer.1632650.325",
    ),
    Evidence(
        "vincent2014",
        "Vincent HK et al. Resistance exercise in obese older adults with chronic LBP. Med Sci Sports Exerc 2014;46(9):1693-1701",
        "RCT, 49 adults",
        G.LOW,
    ),
    Evidence(
        "saper2017",
        "Saper RB et al. Yoga, physical therapy, or education for chronic low back pain. Ann Intern Med 2017;167(2):85-94",
        "RCT, 320 adults aged 18–64",
        G.MODERATE,
        doi="10.7326/M16-2579",
    ),
    Evidence(
        "kong2016",
        "Kong LJ et al. Tai chi for chronic pain conditions: systematic review and meta-analysis of RCTs. Sci Rep 2016;6:25325",
        "meta-analysis, 18 RCTs",
        G.LOW,
        doi="10.1038/srep25325",
    ),
    Evidence(
        "gponline_pregnancy_red_flags",
        "GP online. Pregnancy – red flag symptoms (urgent obstetric referral for severe abdominal, pelvic or unusual back pain, fainting, reduced fetal movements, fever)",
        "clinical education summary",
        G.EXPERT_OPINION,
    ),
    # Not in the clinical.md catalogue: section 7 asks the ACP imaging "do not" to cite ACP's
    # high-value care advice rather than the 2017 guideline, so it needs an id of its own.
    Evidence(
        "chou2011_acp_imaging",
        "Chou R, Qaseem A, Owens DK, Shekelle P. Diagnostic imaging for low back pain: advice for high-value health care from the American College of Physicians. Ann Intern Med 2011;154(3):181-189",
        "guideline (high-value care advice)",
        G.GUIDELINE,
        doi="10.7326/0003-4819-154-3-201102010-00008",
    ),
)
