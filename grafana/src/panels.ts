/**
 * Panel shorthands: each panel runs one SQL query on the provisioned PostgreSQL datasource.
 * Sizes are in Grafana grid units (24 columns wide); the dashboard builder flows panels left to
 * right and wraps, so a dashboard file reads top to bottom like the page it makes.
 */
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { MappingType } from '@grafana/grafana-foundation-sdk/dashboard';
import * as piechart from '@grafana/grafana-foundation-sdk/piechart';
import * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as statetimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as text from '@grafana/grafana-foundation-sdk/text';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { POSTGRES_DATASOURCE, PROMETHEUS_DATASOURCE } from './datasource.js';
import { tableQuery, timeSeriesQuery } from './sql-query.js';

export interface PanelText {
  title: string;
  description: string;
}

export interface Size {
  w: number;
  h: number;
}

/** A stat panel showing the last value of its one query, a plain number (no graph, no color). */
function lastValueStat(
  t: PanelText,
  datasource: Parameters<stat.PanelBuilder['datasource']>[0],
  target: Parameters<stat.PanelBuilder['withTarget']>[0],
  unit: string,
  size: Size,
): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(t.title)
    .description(t.description)
    .datasource(datasource)
    .withTarget(target)
    .unit(unit)
    .graphMode(common.BigValueGraphMode.None)
    .colorMode(common.BigValueColorMode.None)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(['lastNotNull']).values(false))
    .span(size.w)
    .height(size.h);
}

/** One number for the whole range (the query returns one row with one numeric column). */
export function statPanel(
  t: PanelText,
  rawSql: string,
  unit: string,
  size: Size = { w: 6, h: 4 },
): stat.PanelBuilder {
  return lastValueStat(t, POSTGRES_DATASOURCE, tableQuery(rawSql), unit, size);
}

/** The time series' legend: shown, a list, below the graph. */
const listLegendBelow = () =>
  new common.VizLegendOptionsBuilder()
    .showLegend(true)
    .displayMode(common.LegendDisplayMode.List)
    .placement(common.LegendPlacement.Bottom);

/** Values per time bucket; the query returns a "time" column (time_series format). */
export function timeSeriesPanel(
  t: PanelText,
  rawSql: string,
  unit: string,
  style: 'bars' | 'lines',
  size: Size,
): timeseries.PanelBuilder {
  const panel = new timeseries.PanelBuilder()
    .title(t.title)
    .description(t.description)
    .datasource(POSTGRES_DATASOURCE)
    .withTarget(timeSeriesQuery(rawSql))
    .unit(unit)
    .min(0)
    // Buckets narrower than a minute would mostly be empty.
    .interval('1m')
    .legend(listLegendBelow())
    .span(size.w)
    .height(size.h);
  // Missing buckets are missing rows: bars leave them empty, where lines would bridge them.
  if (style === 'bars') return panel.drawStyle(common.GraphDrawStyle.Bars).fillOpacity(80);
  return panel
    .drawStyle(common.GraphDrawStyle.Line)
    .showPoints(common.VisibilityMode.Always)
    .spanNulls(false);
}

/** Horizontal bars, one per row of a table result, labelled by `labelField`. */
export function barChartPanel(
  t: PanelText,
  rawSql: string,
  labelField: string,
  unit: string,
  size: Size,
): barchart.PanelBuilder {
  return new barchart.PanelBuilder()
    .title(t.title)
    .description(t.description)
    .datasource(POSTGRES_DATASOURCE)
    .withTarget(tableQuery(rawSql))
    .xField(labelField)
    .orientation(common.VizOrientation.Horizontal)
    .showValue(common.VisibilityMode.Auto)
    .unit(unit)
    .legend(new common.VizLegendOptionsBuilder().showLegend(false))
    .span(size.w)
    .height(size.h);
}

/** Slices from a table result: one per row, named by its text column, sized by `valueField`. */
export function pieChartPanel(
  t: PanelText,
  rawSql: string,
  valueField: string,
  size: Size,
): piechart.PanelBuilder {
  return new piechart.PanelBuilder()
    .title(t.title)
    .description(t.description)
    .datasource(POSTGRES_DATASOURCE)
    .withTarget(tableQuery(rawSql))
    .pieType(piechart.PieChartType.Donut)
    .reduceOptions(
      new common.ReduceDataOptionsBuilder().values(true).calcs([]).fields(`/^${valueField}$/`),
    )
    .displayLabels([piechart.PieChartLabels.Percent])
    .legend(
      new piechart.PieChartLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .values([piechart.PieChartLegendValues.Value, piechart.PieChartLegendValues.Percent]),
    )
    .span(size.w)
    .height(size.h);
}

export function tablePanel(t: PanelText, rawSql: string, size: Size): table.PanelBuilder {
  return new table.PanelBuilder()
    .title(t.title)
    .description(t.description)
    .datasource(POSTGRES_DATASOURCE)
    .withTarget(tableQuery(rawSql))
    .overrideByName('active_ms', [{ id: 'unit', value: 'ms' }])
    .span(size.w)
    .height(size.h);
}

/**
 * One row per series (long format: time, metric, value), coloured by state: 1 = in a session,
 * 0 = between sessions. Series are joined on time, so a device has no value at the instants
 * where only other devices change; spanNulls makes those gaps keep the previous state.
 */
export function sessionTimelinePanel(
  t: PanelText,
  rawSql: string,
  size: Size,
): statetimeline.PanelBuilder {
  return new statetimeline.PanelBuilder()
    .title(t.title)
    .description(t.description)
    .datasource(POSTGRES_DATASOURCE)
    .withTarget(timeSeriesQuery(rawSql))
    .mappings([
      {
        type: MappingType.ValueToText,
        options: {
          '0': { text: 'between sessions', color: 'transparent', index: 0 },
          '1': { text: 'in a session', color: 'green', index: 1 },
        },
      },
    ])
    .spanNulls(true)
    .mergeValues(true)
    .showValue(common.VisibilityMode.Never)
    .legend(new common.VizLegendOptionsBuilder().showLegend(false))
    .span(size.w)
    .height(size.h);
}

export function markdownPanel(title: string, content: string, size: Size): text.PanelBuilder {
  return new text.PanelBuilder()
    .title(title)
    .mode(text.TextMode.Markdown)
    .content(content)
    .span(size.w)
    .height(size.h);
}

/** One PromQL series set of a Prometheus panel: its expression and legend ("{{label}}"). */
export interface PromSeries {
  expr: string;
  legend: string;
}

function promQuery(series: PromSeries, refId: string): prometheus.DataqueryBuilder {
  return new prometheus.DataqueryBuilder()
    .refId(refId)
    .datasource(PROMETHEUS_DATASOURCE)
    .editorMode(prometheus.QueryEditorMode.Code)
    .expr(series.expr)
    .legendFormat(series.legend)
    .range();
}

/**
 * Lines over time from the provisioned Prometheus (the processes' counters and gauges); one
 * target per entry of `series`, refIds A, B, ...
 */
export function promTimeSeriesPanel(
  t: PanelText,
  series: PromSeries[],
  unit: string,
  size: Size,
): timeseries.PanelBuilder {
  let panel = new timeseries.PanelBuilder()
    .title(t.title)
    .description(t.description)
    .datasource(PROMETHEUS_DATASOURCE)
    .unit(unit)
    .min(0)
    .drawStyle(common.GraphDrawStyle.Line)
    .legend(listLegendBelow())
    .span(size.w)
    .height(size.h);
  series.forEach((s, i) => {
    panel = panel.withTarget(promQuery(s, String.fromCharCode(65 + i)));
  });
  return panel;
}

/** One number from the provisioned Prometheus: the last value of `expr` over the range. */
export function promStatPanel(
  t: PanelText,
  expr: string,
  unit: string,
  size: Size,
): stat.PanelBuilder {
  return lastValueStat(
    t,
    PROMETHEUS_DATASOURCE,
    promQuery({ expr, legend: '' }, 'A').instant(),
    unit,
    size,
  );
}
