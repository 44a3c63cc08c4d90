"""The web app's pages (Chinese, no JavaScript needed, no outside resources: intranets have no CDN)."""

from __future__ import annotations

from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

from nianbao.output.charts import OVERVIEW_CSS

_BASE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} - 年报生成与检查</title>
<style>
body{font-family:"Microsoft YaHei","PingFang SC","Noto Sans CJK SC",sans-serif;max-width:60em;margin:0 auto;padding:1em 1.5em;color:#222;line-height:1.6}
h1{font-size:1.5em;border-bottom:3px solid #b22;padding-bottom:.3em}
h2{font-size:1.15em;margin-top:1.6em}
.box{border:1px solid #ccc;border-radius:6px;padding:1em 1.2em;margin:1em 0;background:#fafafa}
.ok{background:#eaf6ea;border-color:#6a6}.errors{background:#fdeeee;border-color:#c66}.unreadable{background:#fff4e0;border-color:#d93}
button,.button{font-size:1em;padding:.45em 1.2em;border:1px solid #b22;background:#b22;color:#fff;border-radius:4px;cursor:pointer;text-decoration:none;display:inline-block}
a.button.light{background:#fff;color:#b22}
table{border-collapse:collapse;width:100%;margin:.6em 0}th,td{border:1px solid #bbb;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f0f0f0;white-space:nowrap}td.pos,td.level,td.no{white-space:nowrap}td.pos{font-family:monospace}
tr.error td.level{color:#b00;font-weight:bold}tr.warning td.level{color:#a60}tr.info td.level{color:#666}
ul.downloads li{margin:.3em 0}small,.muted{color:#666}
</style></head>
<body>
<h1>政府信息公开工作年度报告 · 生成与检查</h1>
{% block body %}{% endblock %}
<p class="muted"><small>上传的文件和生成的报告只有您本人（本浏览器）能看到，{{ keep_text }}后自动删除。
机器接口说明：<a href="/openapi.json">/openapi.json</a>。</small></p>
</body></html>
"""

_INDEX = """{% extends "base" %}{% block title %}首页{% endblock %}{% block body %}
<div class="box">
<h2>第一步：下载空白填报工作簿</h2>
<p><a class="button" href="/template.xlsx?form=2021" download>下载填报工作簿（2021版）</a>
<a class="button light" href="/template.xlsx?form=2019" download>2019版（用于2019、2020年度）</a></p>
<p class="muted">在 Excel 或 WPS 中按“填报说明”填写：基本信息、总体情况等文字，以及三张统计表的数字。</p>
</div>
<div class="box">
<h2>第二步：上传填好的工作簿</h2>
<form method="post" action="/upload" enctype="multipart/form-data">
<p><label for="file">填好的工作簿：</label>
<input type="file" name="file" id="file" accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" required></p>
<p><label for="previous">上年的报告（可选）：</label>
<input type="file" name="previous" id="previous" accept=".xlsx,.html,.htm,.docx,.pdf"></p>
<p class="muted">上年的填报工作簿，或上年已发布的报告（网页、Word 或 PDF）：用于核对上年结转、现行有效件数和与上年雷同的段落。</p>
<p><button type="submit" id="submit">检查并生成报告</button></p>
</form>
{% if submits %}<p id="submits"><strong>上传即报送：</strong>每次上传的工作簿都记入汇总单位的报送记录，以最后一次上传的为准；
有错误时请修改后重新上传。</p>{% endif %}
<p class="muted">文件不超过 {{ max_mb }} MB。检查通过即生成 Word 报告{% if pdf %}（另有 PDF{% else %}（另有{% endif %}、网页和数据文件）；
有错误时列出每个问题所在的工作表和单元格，并提供标注了问题的工作簿。</p>
</div>
{% endblock %}"""

_JOB = """{% extends "base" %}{% block title %}{{ job.name }}{% endblock %}{% block body %}
<div class="box {{ job.status }}" id="status">
<h2>{{ job.name }}：{{ status_text }}</h2>
{% if job.title %}<p>《{{ job.title }}》</p>{% endif %}
<p>{{ summary }}</p>
{% if job.note %}<p>{{ job.note }}</p>{% endif %}
</div>
{% if downloads %}<h2>下载</h2>
<ul class="downloads">{% for d in downloads %}
<li><a href="{{ d.url }}" id="download-{{ d.kind }}" download>{{ d.label }}</a> <small>{{ d.name }}</small></li>{% endfor %}
</ul>{% endif %}
{% if findings %}<h2>问题清单（{{ findings|length }} 条）</h2>
<table id="findings"><thead><tr><th scope="col">序号</th><th scope="col">级别</th><th scope="col">位置</th><th scope="col">问题</th><th scope="col">代码</th></tr></thead>
<tbody>{% for f in findings %}
<tr class="{{ f.level }}"><td class="no">{{ loop.index }}</td><td class="level">{{ f.level_zh }}{% if f.acknowledged %}（已说明）{% endif %}</td>
<td class="pos">{{ f.position or "—" }}</td><td>{{ f.message }}{% if f.acknowledged %}<br><small>说明：{{ f.acknowledged }}</small>{% endif %}</td><td><small>{{ f.code }}</small></td></tr>{% endfor %}
</tbody></table>{% endif %}
<p><a class="button light" href="/">再上传一个工作簿</a></p>
{% endblock %}"""

_ERROR = """{% extends "base" %}{% block title %}出错了{% endblock %}{% block body %}
<div class="box errors" id="status"><h2>{{ heading }}</h2><p>{{ message }}</p></div>
<p><a class="button light" href="/">返回首页</a></p>
{% endblock %}"""

_OFFICE = """{% extends "base" %}{% block title %}报送情况{% endblock %}{% block body %}
<div class="box" id="status"><h2>{{ year }}年度报送情况</h2><p id="headline">{{ headline }}</p></div>
<table id="units"><caption class="muted">名单中每个单位一行，需要处理的在前；计入汇总的是最近收到的本年度工作簿</caption>
<thead><tr><th scope="col">序号</th><th scope="col">单位</th><th scope="col">状态</th><th scope="col">计入汇总的文件</th>
<th scope="col">收到时间</th><th scope="col">错误</th><th scope="col">首要问题</th><th scope="col">联系人</th></tr></thead>
<tbody>{% for u in units %}
<tr class="{{ u.css }}"><td class="no">{{ loop.index }}</td><th scope="row">{{ u.name }}</th><td class="level">{{ u.label }}</td>
<td>{{ u.file }}</td><td class="no">{{ u.received }}</td><td class="no">{{ u.errors }}</td><td>{{ u.problem }}</td><td>{{ u.contact }}</td></tr>{% endfor %}
</tbody></table>
{% if unmatched %}<h2>没有对应到名单中单位的文件（{{ unmatched|length }} 个）</h2>
<ul>{% for f in unmatched %}<li>{{ f }}</li>{% endfor %}</ul>{% endif %}
<h2 id="overview-heading">主要数字{% if not compared %}<small class="muted">（启动时加 --previous 上年的文件夹，可与上年对比）</small>{% endif %}</h2>
<style>{{ overview_css }}</style>
<div id="overview">{{ overview }}</div>
{% endblock %}"""

_OFFICE = _OFFICE.replace("{{ overview_css }}", OVERVIEW_CSS)  # ours, constant: part of the template, not data
_ENV = Environment(loader=DictLoader({"base": _BASE, "index": _INDEX, "job": _JOB, "error": _ERROR, "office": _OFFICE}),
                   autoescape=select_autoescape(default=True, default_for_string=True), undefined=StrictUndefined)


def render(name: str, **ctx: Any) -> str:
    return _ENV.get_template(name).render(**ctx)
