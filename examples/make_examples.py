"""Regenerate the bundled example workbooks from the blank template.

    python examples/make_examples.py

大庄乡人民政府 2024: the report this project was created from (its metadata and narrative, cleaned of
the PDF copy artefacts, all-zero tables). Its section 五 still opens with "2023年" as the original
does, and a heading is typed as "一、…" — the checker is expected to point both out.

平潭综合实验区 2024: the figures of a published report (every relation holds); the narrative is
written here from those figures only, to show a report with non-zero tables.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from nianbao.files import atomic_write_bytes
from nianbao.workbook.blank import workbook_bytes
from nianbao.workbook.fill import filled_workbook

HERE = Path(__file__).resolve().parent

DAZHUANG_GENERAL = [
    ("", "2024年，大庄乡在推进政府信息公开工作的征程中，步伐坚定且稳健。我们以《中华人民共和国政府信息公开条例》为指引，严格遵循“谁主管谁审查、谁审查谁负责、先审查后公开”的准则，将信息安全与保密教育融入每一位工作人员的日常工作中，为政府信息公开工作筑牢坚实基础，确保其沿着依法依规、有条不紊的轨道前行。"),
    ("一、强化组织领导，构建有力保障体系。",
     "大庄乡深刻认识到，政府信息公开工作绝非孤立之事，而是与全乡中心工作紧密相连、相辅相成的关键环节。因此，我们将其置于重要战略位置，与其他核心工作同规划、同部署、同推进、同落实。为凝聚工作合力，大庄乡成立了由政府乡长挂帅担任组长，党委副书记出任副组长，其他领导班子成员共同参与的政府信息公开工作领导小组。这支高规格的领导团队，肩负起统领全乡信息公开工作的重任，从宏观规划到具体实施，每一个环节都精心把控。\n"
     "领导小组下设专门办公室，并配备专业工作人员，专职负责信息公开工作的具体事宜。从信息的收集、整理，到审核、发布，每一个流程都有专人负责，环环相扣，确保了信息公开工作的高效运转。"),
    ("加强业务培训，拓展信息公开维度。",
     "大庄乡深知，专业的人才队伍是提升政府信息公开工作质量的核心要素。为此，我们精心组织信息公开工作人员参加各类培训，将《中华人民共和国政府信息公开条例》和《中华人民共和国保密法》作为重点学习内容，通过集中学习、案例研讨、模拟操作等多种形式，让工作人员深刻领会法规要义，在严格遵守保密制度的前提下，做到应公开的信息全面公开，实现信息公开与保密工作的有机平衡。为扩大信息公开的覆盖面和影响力，大庄乡充分利用各种宣传渠道，构建起全方位、多层次的宣传矩阵。通过召开会议、印发文件，将重要政策和信息及时传达给广大干部群众；在乡村主要道路悬挂横幅、张贴宣传标语，营造浓厚的宣传氛围；发放宣传单，让信息走进千家万户；借助微信群、公众号等新媒体平台，实现信息的即时推送和广泛传播；设立公开栏，将群众关心的热点信息进行长期公示，方便群众随时查阅。特别是在脱贫攻坚、环境保护、惠农政策等与群众切身利益息息相关的领域，加大宣传力度，切实保障群众的知情权和参与权，推动政府信息公开工作向更深层次、更宽领域迈进。"),
]

DAZHUANG_PROBLEMS = [
    ("", "2023年，大庄乡政府在信息公开工作上积极作为，切实保障了人民群众的知情权、参与权与监督权，收获了一定成果。然而，对照上级的严格要求以及人民群众的殷切期盼，工作中仍暴露出一些短板与问题。\n"
     "公开内容方面，存在单一且不规范的情况，信息发布质量欠佳。部分公开事项在审核把关环节不够严谨，致使一些信息的准确性、完整性受到影响。在信息发布队伍建设上，人员稳定性不足，业务水平参差不齐，难以满足日益增长的信息公开工作需求。此外，信息公布的时效性范围尚无明确界定，信息发布的及时性难以保证。为扭转局面，推动政府信息公开工作迈向新台阶，大庄乡政府将从以下三个关键方面着力改进与强化：\n"
     "一是严格信息审核机制：进一步加强对政府信息公开工作的领导，同步加大监督检查力度。通过积极动员宣传，构建起齐抓共管、全员参与的工作机制。明确各部门、各岗位在信息公开审核流程中的职责，确保每一条对外发布的信息都经过严格细致的审核，从源头上提升信息质量。\n"
     "二是优化人员队伍配置：重视政府信息公开人员队伍建设，合理规划专职与兼职人员的工作任务。定期开展业务培训与交流互动，提升工作人员的业务能力与综合素质，从而提高政府信息公开工作的整体水平、效率及质量，为信息公开工作的顺利推进提供坚实的人力保障。\n"
     "三是丰富信息公开内容：组织专门力量对全乡政务信息展开新一轮梳理。紧密围绕社会公众关心的热点、重点、难点问题深入调研，广泛收集信息。持续充实完善政务信息库，及时更新各类信息，全力确保信息公开的完整性、准确性与时效性，让公众能够及时、全面地获取所需信息。"),
]


def dazhuang() -> bytes:
    wb = filled_workbook(
        "2021",
        meta={"agency": "大庄乡人民政府", "agency_type": "乡镇街道", "year": 2024, "date": dt.datetime(2025, 1, 2)},
        general=DAZHUANG_GENERAL,
        problems=DAZHUANG_PROBLEMS,
        other={"other": "无其他需要报告的事项。"},
    )
    return workbook_bytes(wb)


# 平潭综合实验区 2024, figures as published (table 3 rows 4..28 x columns D..J without the totals,
# which the workbook computes; they are checked against the published totals in the tests).
PINGTAN_T3 = {
    4: [217, 1, 0, 0, 0, 0], 6: [71, 0, 0, 0, 0, 0], 7: [29, 0, 0, 0, 0, 0], 8: [4, 0, 0, 0, 0, 0],
    11: [3, 0, 0, 0, 0, 0], 12: [32, 0, 0, 0, 0, 0], 16: [75, 0, 0, 0, 0, 0], 20: [1, 0, 0, 0, 0, 0],
    24: [1, 0, 0, 0, 0, 0], 26: [1, 1, 0, 0, 0, 0],
}
PINGTAN_T2 = {"B4": 62, "C4": 33, "D4": 440, "B7": 4529, "B10": 1100, "B11": 65, "B14": 18651.06}
PINGTAN_T4 = {f"{c}4": v for c, v in zip("ABCDFGHIKLMN", [2, 1, 3, 1, 0, 0, 0, 0, 13, 2, 4, 0])}

PINGTAN_GENERAL = [
    ("", "2024年，本机关依照《中华人民共和国政府信息公开条例》，做好主动公开、依申请公开、政府信息管理、平台建设和监督保障各项工作。本部分所述数字与第二至第四部分的统计表一致。"),
    ("主动公开", "围绕营商环境、项目投资、产业政策等重点领域主动公开政府信息，行政规范性文件在政府门户网站集中公开、动态更新，年底现行有效行政规范性文件440件。"),
    ("依申请公开", "规范申请登记、审查、答复和归档各环节，主动与申请人沟通，了解实际需求。全年新收政府信息公开申请218件，均在法定期限内答复；对逾期不补正等其他处理情形，在答复中逐件说明理由。"),
    ("政府信息管理", "落实政府信息公开前保密审查，定期清理已公开的行政规范性文件，及时更新政府信息公开指南和目录。"),
    ("政府信息公开平台建设", "以政府门户网站为第一平台，同步通过政务新媒体发布政策文件和解读材料。"),
    ("监督保障", "将政府信息公开工作纳入年度绩效考核，开展社会评议，本年度未发生需要责任追究的情形。因政府信息公开引起的行政复议7件、行政诉讼19件。"),
]
PINGTAN_PROBLEMS = [
    ("存在的主要问题", "部分政策解读形式较为单一，依申请公开答复的说理还不够充分。"),
    ("改进情况", "一是丰富政策解读形式，重要政策同步发布图文解读。二是加强答复文书审核，逐件说明法律依据和理由。"),
]


def pingtan() -> bytes:
    t3 = {f"{col}{row}": v for row, vals in PINGTAN_T3.items() for col, v in zip("DEFGHI", vals)}
    wb = filled_workbook(
        "2021",
        meta={"agency": "平潭综合实验区", "agency_type": "人民政府", "year": 2024, "date": "2025年1月20日"},
        figures={"table2": PINGTAN_T2, "table3": t3, "table4": PINGTAN_T4},
        general=PINGTAN_GENERAL,
        problems=PINGTAN_PROBLEMS,
        other={"other": "无其他需要报告的事项。"},
    )
    return workbook_bytes(wb)


EXAMPLES = {"大庄乡人民政府2024.xlsx": dazhuang, "平潭综合实验区2024.xlsx": pingtan}


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    for name, make in EXAMPLES.items():
        atomic_write_bytes(out / name, make())
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
