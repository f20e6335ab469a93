#!/usr/bin/env python3
"""Renders one frame of a prp field export (field.pvd) with VTK, as a ParaView user
would see it: the trained field, the simulated truth and their difference side by
side, at the last time. Used for docs/running.md's picture.
Usage: xvfb-run -a /usr/bin/python3 render_field.py RUN_DIR OUT.png
(needs python3-vtk9; xvfb-run where there is no display)."""
import sys
import vtk

def last_frame(run_dir):
    parser = vtk.vtkXMLDataParser()
    parser.SetFileName(f"{run_dir}/field.pvd")
    parser.Parse()
    coll = parser.GetRootElement().FindNestedElementWithName("Collection")
    last = coll.GetNestedElement(coll.GetNumberOfNestedElements() - 1)
    return f"{run_dir}/{last.GetAttribute('file')}", last.GetAttribute("timestep")

def viewport(renderer_window, image, array, x0, x1, title, value_range):
    geometry = vtk.vtkImageDataGeometryFilter()
    geometry.SetInputData(image)
    mapper = vtk.vtkPolyDataMapper()
    mapper.SetInputConnection(geometry.GetOutputPort())
    mapper.SetScalarModeToUsePointFieldData()
    mapper.SelectColorArray(array)
    mapper.SetScalarRange(*value_range)
    lut = vtk.vtkLookupTable()
    lut.SetHueRange(0.667, 0.0)
    lut.Build()
    mapper.SetLookupTable(lut)
    actor = vtk.vtkActor()
    actor.SetMapper(mapper)
    bar = vtk.vtkScalarBarActor()
    bar.SetLookupTable(lut)
    bar.SetNumberOfLabels(4)
    bar.SetWidth(0.12)
    text = vtk.vtkTextActor()
    text.SetInput(title)
    text.GetTextProperty().SetFontSize(18)
    text.GetTextProperty().SetColor(0, 0, 0)
    text.SetPosition(10, 10)
    ren = vtk.vtkRenderer()
    ren.SetViewport(x0, 0, x1, 1)
    ren.SetBackground(1, 1, 1)
    ren.AddActor(actor)
    ren.AddActor2D(bar)
    ren.AddActor2D(text)
    ren.ResetCamera()
    renderer_window.AddRenderer(ren)

def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    path, time = last_frame(sys.argv[1])
    reader = vtk.vtkXMLImageDataReader()
    reader.SetFileName(path)
    reader.Update()
    image = reader.GetOutput()
    names = [image.GetPointData().GetArrayName(i) for i in range(image.GetPointData().GetNumberOfArrays())]
    field = names[0]
    window = vtk.vtkRenderWindow()
    window.SetOffScreenRendering(1)
    window.SetSize(1500, 520)
    panels = [n for n in (field, f"{field}_truth", f"{field}_error") if n in names]
    span = image.GetPointData().GetArray(f"{field}_truth" if f"{field}_truth" in names else field).GetRange()
    for i, name in enumerate(panels):
        rng = image.GetPointData().GetArray(name).GetRange() if name.endswith("_error") else span
        viewport(window, image, name, i / len(panels), (i + 1) / len(panels), f"{name}, t = {float(time):.2f}", rng)
    window.Render()
    grab = vtk.vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.Update()
    writer = vtk.vtkPNGWriter()
    writer.SetFileName(sys.argv[2])
    writer.SetInputConnection(grab.GetOutputPort())
    writer.Write()

if __name__ == "__main__":
    main()
